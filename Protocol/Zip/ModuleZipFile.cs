namespace ModMesh.Protocol.Zip;

/// <summary>A regular file that goes into a module zip.</summary>
/// <param name="Path">The slash-separated path relative to the module root (the entry name after "module@version/").</param>
/// <param name="FullPath">Where the file is on disk.</param>
/// <param name="Size">Its size when it was listed; the zip holds at most this many bytes of it.</param>
public sealed record ModuleZipFile(string Path, string FullPath, long Size);
