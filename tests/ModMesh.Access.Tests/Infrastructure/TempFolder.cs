namespace ModMesh.Access.Tests.Infrastructure;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"modmesh-access-{Guid.NewGuid():N}")).FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="text"/> to a sibling temp file and renames it over <paramref name="name"/>: an atomic replace.</summary>
    public void ReplaceAtomically(string name, string text)
    {
        var temporary = File($".{name}.{Guid.NewGuid():N}.tmp");
        System.IO.File.WriteAllText(temporary, text);
        System.IO.File.Move(temporary, File(name), overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
