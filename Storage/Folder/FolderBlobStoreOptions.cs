namespace ModMesh.Storage.Folder;

/// <summary>Settings of <see cref="FolderBlobStore"/>.</summary>
public sealed class FolderBlobStoreOptions
{
    /// <summary>
    /// The folder that holds the blobs (created when missing). Several processes may share it: writes are
    /// atomic renames, so no process needs to coordinate with another. Required; no default.
    /// </summary>
    public string RootPath { get; set; } = "";
}
