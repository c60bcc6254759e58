namespace ModMesh.Protocol.Zip;

/// <summary>
/// A module tree sorted the way golang.org/x/mod/zip's CheckDir does: the files a zip would hold, the ones left out
/// and why, the ones that make a zip impossible, and a size error.
/// </summary>
public sealed class ModuleDirectoryListing
{
    internal ModuleDirectoryListing(IReadOnlyList<ModuleZipFile> files, IReadOnlyList<ModuleZipFileProblem> omitted, IReadOnlyList<ModuleZipFileProblem> invalid, string? sizeError)
    {
        Files = files;
        Omitted = omitted;
        Invalid = invalid;
        SizeError = sizeError;
    }

    /// <summary>The files of the zip, in the order they are written (Go's walk order: names sorted in each directory).</summary>
    public IReadOnlyList<ModuleZipFile> Files { get; }

    /// <summary>Left out on purpose: version-control folders, nested modules, vendored packages, symbolic links and other irregular files.</summary>
    public IReadOnlyList<ModuleZipFileProblem> Omitted { get; }

    /// <summary>Files that cannot be in a module zip (bad names, case-fold collisions, go.mod or LICENSE too large).</summary>
    public IReadOnlyList<ModuleZipFileProblem> Invalid { get; }

    /// <summary>Set when the files together pass the 500 MiB limit.</summary>
    public string? SizeError { get; }

    /// <summary>
    /// Null when a zip can be made, else the reason like Go's CheckedFiles.Err: the size error first, otherwise every
    /// invalid file on a line of its own.
    /// </summary>
    public string? Error => SizeError ?? (Invalid.Count > 0 ? string.Join('\n', Invalid) : null);
}
