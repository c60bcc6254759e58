using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Protocol;

/// <summary>
/// Go's "h1:" hashes (golang.org/x/mod/sumdb/dirhash Hash1), the values in go.sum and the checksum database:
/// SHA-256 over the lines "hex(sha256(file))  name\n" for the file names in ordinal order, base64-encoded, "h1:" prefix.
/// </summary>
public static class DirHash
{
    /// <summary>The prefix of hashes produced by this algorithm.</summary>
    public const string Prefix = "h1:";

    /// <summary>The h1 hash of a go.mod file (the "$module $version/go.mod h1:..." line of go.sum): one file named "go.mod".</summary>
    public static string HashGoMod(ReadOnlySpan<byte> goMod)
    {
        var summary = new StringBuilder();
        AppendLine(summary, SHA256.HashData(goMod), "go.mod");
        return Finish(summary);
    }

    /// <summary>The h1 hash of a module zip: every entry of the archive, named as in the archive.</summary>
    /// <exception cref="InvalidDataException">The stream is not a zip, or an entry name contains a newline or repeats.</exception>
    public static string HashZip(Stream seekableZip)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        using var archive = new ZipArchive(seekableZip, ZipArchiveMode.Read, leaveOpen: true);
        var entries = archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal).ToList();
        var summary = new StringBuilder();
        string? previous = null;
        foreach (var entry in entries)
        {
            if (entry.FullName.Contains('\n'))
            {
                throw new InvalidDataException($"zip entry name contains a newline: \"{entry.FullName}\"");
            }

            if (string.Equals(previous, entry.FullName, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"duplicate zip entry \"{entry.FullName}\"");
            }

            previous = entry.FullName;
            using var content = entry.Open();
            AppendLine(summary, SHA256.HashData(content), entry.FullName);
        }

        return Finish(summary);
    }

    /// <summary>The h1 hash of named files, given the SHA-256 of each file's content.</summary>
    /// <exception cref="ArgumentException">A name contains a newline or repeats.</exception>
    public static string Hash(IEnumerable<KeyValuePair<string, byte[]>> fileSha256)
    {
        ArgumentNullException.ThrowIfNull(fileSha256);
        var summary = new StringBuilder();
        string? previous = null;
        foreach (var (name, sha) in fileSha256.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (name.Contains('\n'))
            {
                throw new ArgumentException($"file name contains a newline: \"{name}\"", nameof(fileSha256));
            }

            if (string.Equals(previous, name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"duplicate file name \"{name}\"", nameof(fileSha256));
            }

            previous = name;
            AppendLine(summary, sha, name);
        }

        return Finish(summary);
    }

    private static void AppendLine(StringBuilder summary, byte[] sha256, string name) =>
        summary.Append(Convert.ToHexStringLower(sha256)).Append("  ").Append(name).Append('\n');

    private static string Finish(StringBuilder summary) =>
        Prefix + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(summary.ToString())));
}
