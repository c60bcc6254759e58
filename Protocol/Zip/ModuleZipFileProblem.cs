namespace ModMesh.Protocol.Zip;

/// <summary>A file or directory of a module tree that is left out of the zip, or that makes the tree unzippable.</summary>
/// <param name="Path">The slash-separated path relative to the module root.</param>
/// <param name="Reason">Why, in golang.org/x/mod/zip's words ("file is in vendor directory", ...).</param>
public sealed record ModuleZipFileProblem(string Path, string Reason)
{
    /// <summary><c>path: reason</c>, the form of Go's FileError.</summary>
    public override string ToString() => $"{Path}: {Reason}";
}
