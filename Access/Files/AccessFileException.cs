namespace ModMesh.Access;

/// <summary>A tokens or rules file could not be loaded at start: it is missing, unreadable or has problems.</summary>
public sealed class AccessFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> with its <paramref name="problems"/>.</summary>
    public AccessFileException(string path, IReadOnlyList<AccessFileProblem> problems, Exception? innerException = null)
        : base(FormatMessage(path, problems), innerException)
    {
        Path = path;
        Problems = problems;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<AccessFileProblem> Problems { get; }

    private static string FormatMessage(string path, IReadOnlyList<AccessFileProblem> problems) =>
        $"{path}: {string.Join("; ", problems)}";
}
