namespace ModMesh.TestSupport;

/// <summary>Temporary folders of the test run (under the system temp folder, prefixed "modmesh-").</summary>
public static class TempDirectory
{
    /// <summary>Creates a new empty folder with a unique name.</summary>
    public static string CreateUnique(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"modmesh-{purpose}-{Guid.NewGuid().ToString("N")[..16]}");
        return Directory.CreateDirectory(path).FullName;
    }

    /// <summary>Deletes a folder tree, including read-only files and folders (go's module cache); never throws.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (!Directory.Exists(path))
            {
                return;
            }

            MakeWritable(new DirectoryInfo(path));
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void MakeWritable(DirectoryInfo dir)
    {
        if (!OperatingSystem.IsWindows())
        {
            dir.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }

        foreach (var file in dir.EnumerateFiles())
        {
            if (file.IsReadOnly)
            {
                file.IsReadOnly = false;
            }
        }

        foreach (var sub in dir.EnumerateDirectories())
        {
            if (!sub.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                MakeWritable(sub);
            }
        }
    }
}
