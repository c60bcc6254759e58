namespace ModMesh.Fetcher.Filling;

/// <summary>Private temp files for zips on their way in (fills and uploads): checked whole before any byte is stored.</summary>
internal static class Spool
{
    /// <summary>Copy buffer size used with spools.</summary>
    public const int Buffer = 81920;

    /// <summary>The spool folder of <paramref name="options"/>: its SpoolPath, or $TMPDIR/modmesh-spool.</summary>
    public static string FolderOf(FillOptions options) => string.IsNullOrEmpty(options.SpoolPath)
        ? Path.Combine(Path.GetTempPath(), "modmesh-spool")
        : options.SpoolPath;

    /// <summary>A new private temp file in <paramref name="folder"/>, deleted when closed.</summary>
    public static FileStream Create(string folder)
    {
        Directory.CreateDirectory(folder);
        return new FileStream(
            Path.Combine(folder, $"{Guid.NewGuid():N}.zip"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, Buffer,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose | FileOptions.SequentialScan);
    }
}
