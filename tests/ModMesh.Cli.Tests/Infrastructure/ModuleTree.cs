using System.Diagnostics;
using System.Text;
using ModMesh.TestSupport;

namespace ModMesh.Cli.Tests.Infrastructure;

/// <summary>A module source tree in a temporary folder, built file by file; deleted on dispose.</summary>
internal sealed class ModuleTree : IDisposable
{
    public ModuleTree(string? goMod = null, string purpose = "tree")
    {
        Root = TempDirectory.CreateUnique(purpose);
        if (goMod is not null)
        {
            File("go.mod", goMod);
        }
    }

    public string Root { get; }

    /// <summary>A go.mod declaring <paramref name="modulePath"/> with a go directive.</summary>
    public static string GoMod(string modulePath, string goVersion = "1.19") => $"module {modulePath}\n\ngo {goVersion}\n";

    public ModuleTree File(string slashPath, string content) => File(slashPath, Encoding.UTF8.GetBytes(content));

    public ModuleTree File(string slashPath, byte[] content)
    {
        var full = Full(slashPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, content);
        return this;
    }

    /// <summary>A file of <paramref name="size"/> bytes that takes no disk space (sparse).</summary>
    public ModuleTree SparseFile(string slashPath, long size)
    {
        var full = Full(slashPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var stream = new FileStream(full, FileMode.Create, FileAccess.Write);
        stream.SetLength(size);
        return this;
    }

    public ModuleTree Symlink(string slashPath, string target)
    {
        var full = Full(slashPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.File.CreateSymbolicLink(full, target);
        return this;
    }

    /// <summary>A named pipe (mkfifo): a file that is neither regular nor a link.</summary>
    public ModuleTree Fifo(string slashPath)
    {
        var full = Full(slashPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [full]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return this;
    }

    public string Full(string slashPath) => Path.Combine(Root, slashPath.Replace('/', Path.DirectorySeparatorChar));

    public void Dispose() => TempDirectory.Delete(Root);
}
