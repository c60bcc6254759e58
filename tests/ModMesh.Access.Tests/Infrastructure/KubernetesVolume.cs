using System.Runtime.InteropServices;

namespace ModMesh.Access.Tests.Infrastructure;

/// <summary>
/// A folder laid out and updated the way the kubelet updates a mounted ConfigMap or Secret: the files live in a
/// timestamped "..2024_..." folder, "..data" is a symlink to it, and each visible name is a symlink "name -> ..data/name".
/// An update writes a new timestamped folder, points a "..data_tmp" symlink at it, renames that over "..data" (the one
/// atomic step) and deletes the old folder. The visible names never change.
/// </summary>
internal sealed class KubernetesVolume(string folder)
{
    private int version;
    private string? current;

    public string PathOf(string name) => Path.Combine(folder, name);

    public void Publish(IReadOnlyDictionary<string, string> files)
    {
        version++;
        var dataFolder = $"..2024_01_01_00_00_{version:D2}.{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.Combine(folder, dataFolder));
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, dataFolder, name), text);
        }

        var temporaryLink = Path.Combine(folder, "..data_tmp");
        File.CreateSymbolicLink(temporaryLink, dataFolder);
        // rename(2) replaces the old link in one step; File.Move refuses a link to a folder.
        if (Rename(temporaryLink, Path.Combine(folder, "..data")) != 0)
        {
            throw new IOException($"rename failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var name in files.Keys)
        {
            var visible = Path.Combine(folder, name);
            if (!File.Exists(visible) && new FileInfo(visible).LinkTarget is null)
            {
                File.CreateSymbolicLink(visible, Path.Combine("..data", name));
            }
        }

        if (current is not null)
        {
            Directory.Delete(Path.Combine(folder, current), recursive: true);
        }

        current = dataFolder;
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
