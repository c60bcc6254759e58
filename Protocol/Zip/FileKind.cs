namespace ModMesh.Protocol.Zip;

/// <summary>What a directory entry is, as lstat sees it (a symbolic link is never followed).</summary>
internal enum FileKind
{
    /// <summary>Nothing by that name.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (to anything, or dangling).</summary>
    SymbolicLink,

    /// <summary>Anything else: a named pipe, a socket, a device.</summary>
    Other,
}
