namespace ModMesh.Protocol.Zip;

/// <summary>A module zip could not be made: the module version, the tree or a file is not acceptable.</summary>
public sealed class ModuleZipCreateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModuleZipCreateException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModuleZipCreateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ModuleZipCreateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the invalid files of a tree (also listed in <see cref="Problems"/>).</summary>
    public ModuleZipCreateException(string message, IReadOnlyList<ModuleZipFileProblem> problems)
        : base(message)
    {
        Problems = problems;
    }

    /// <summary>The invalid files, when the tree was refused because of them; else empty.</summary>
    public IReadOnlyList<ModuleZipFileProblem> Problems { get; } = [];
}
