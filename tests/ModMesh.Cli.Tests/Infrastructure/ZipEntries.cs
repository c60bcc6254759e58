using System.IO.Compression;

namespace ModMesh.Cli.Tests.Infrastructure;

/// <summary>The entry names of a zip file, sorted ordinally.</summary>
internal static class ZipEntries
{
    public static IReadOnlyList<string> Names(string zipPath)
    {
        using var archive = ZipFile.OpenRead(zipPath);
        return archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
    }

    public static IReadOnlyList<string> Names(Stream zip)
    {
        zip.Position = 0;
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        return archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
    }
}
