using System.Security.Cryptography;
using System.Text;
using ModMesh.Protocol.Zip;

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

    /// <summary>
    /// The h1 hash of a zip (dirhash.HashZip): every entry of the archive, named exactly as in the archive (its raw
    /// bytes), its content read through the streaming <see cref="ZipReader"/> (sizes and CRC-32 enforced). It does
    /// not apply the module-zip rules: <see cref="ModuleZip.Inspect"/> does both.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream is not a zip, an entry is unreadable, or an entry name contains a newline or repeats.</exception>
    public static string HashZip(Stream seekableZip)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        try
        {
            return HashZipEntries(seekableZip);
        }
        catch (OverflowException ex)
        {
            throw new InvalidDataException("an offset or size in the zip overflows", ex);
        }
    }

    private static string HashZipEntries(Stream seekableZip)
    {
        var reader = ZipReader.Open(seekableZip);
        var names = new EntryNameList();
        Span<byte> digest = stackalloc byte[32];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        foreach (var entry in reader.ReadEntries())
        {
            using (var content = reader.OpenContent(entry))
            {
                int n;
                while ((n = content.Read(buffer)) > 0)
                {
                    sha.AppendData(buffer, 0, n);
                }
            }

            sha.GetHashAndReset(digest);
            names.Add(entry.NameBytes, digest);
        }

        return names.Hash1([], refuseDuplicates: true);
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
