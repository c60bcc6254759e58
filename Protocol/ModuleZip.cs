using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using ModMesh.Protocol.Zip;

namespace ModMesh.Protocol;

/// <summary>
/// The rules the go command applies to a downloaded module zip (golang.org/x/mod/zip checkZip and Unzip, plus
/// archive/zip and dirhash.HashZip), checked in bounded memory by a streaming zip reader (<see cref="ZipReader"/>).
/// </summary>
public static partial class ModuleZip
{
    /// <summary>The go command's limit on a module zip's size and on its total uncompressed size (500 MiB).</summary>
    public const long MaxUncompressedBytes = 500L << 20;

    /// <summary>The go command's limit on go.mod and LICENSE files inside a zip (16 MiB).</summary>
    public const long MaxGoModBytes = 16L << 20;

    /// <summary>
    /// Checks a seekable zip. Returns null when it is a valid module zip for <paramref name="modulePath"/>@
    /// <paramref name="version"/>, else the first problem found, worded for a person. See <see cref="Inspect"/>.
    /// </summary>
    public static string? Check(Stream seekableZip, string modulePath, string version, long maxUncompressedBytes = MaxUncompressedBytes) =>
        Inspect(seekableZip, modulePath, version, ModuleZipLimits.Default with { MaxUncompressedBytes = maxUncompressedBytes }).Problem;

    /// <summary>
    /// Checks a seekable zip the way the go command does when it downloads and extracts a module, and computes its
    /// h1: hash. A pure function of the stream's bytes: it never throws for bad zip content (only for a null,
    /// unreadable or unseekable stream, or an I/O error of the stream itself).
    /// </summary>
    /// <remarks>
    /// <para>Refused: an invalid module path or non-canonical version; a zip over <see cref="ModuleZipLimits.MaxZipBytes"/>
    /// or with more than <see cref="ModuleZipLimits.MaxEntries"/> entries; anything <see cref="ZipReader"/> refuses
    /// (unsupported method, symlink, encrypted, local header differing from the central record, content longer or
    /// shorter than declared, CRC mismatch, truncation); an entry not under "module@version/"; a name that is not
    /// path.Clean-clean or fails module.CheckFilePath; case-fold collisions, a file that is also a directory, a
    /// file listed twice; a go.mod anywhere but at the root or not spelled "go.mod"; a declared total over
    /// <see cref="ModuleZipLimits.MaxUncompressedBytes"/> (checked arithmetic: any declared size ≥ 2^63 is refused);
    /// go.mod or LICENSE over their limits.</para>
    /// <para>Stricter than go 1.19 (see <see cref="ZipReader"/>): local-header mismatches, symlinks, encryption, a
    /// zero CRC on non-empty content; directory entries' declared sizes count toward the total.
    /// Not enforced: a deflate stream cut just before its end marker whose output is complete (Go's flate reader
    /// fails on it; .NET's accepts). Letters are Unicode letters per .NET's tables (newer than go 1.19's Unicode 13).</para>
    /// <para>Memory: the reader holds one central record at a time. Kept per entry: the name after the prefix once
    /// with its content's SHA-256 (4 + name + 32 bytes, plus a 4-byte handle), and in the collision table its case
    /// fold (4 + 1 + fold bytes, plus 4 + name bytes when the name is not already folded, plus about 8 bytes of
    /// table), once per distinct parent directory too: about 60 bytes + twice the name length per entry, all in
    /// 1 MiB chunks, with no object per entry.</para>
    /// </remarks>
    public static ModuleZipReport Inspect(Stream seekableZip, string modulePath, string version, ModuleZipLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        ArgumentNullException.ThrowIfNull(modulePath);
        ArgumentNullException.ThrowIfNull(version);
        limits ??= ModuleZipLimits.Default;

        if (!Semver.IsCanonical(version))
        {
            return ModuleZipReport.Invalid($"version \"{version}\" is not canonical");
        }

        if (!ModulePath.IsValidModuleVersion(modulePath, version, out var moduleError))
        {
            return ModuleZipReport.Invalid($"invalid module {modulePath}@{version}: {moduleError}");
        }

        if (seekableZip.Length > limits.MaxZipBytes)
        {
            return ModuleZipReport.Invalid($"module zip file is too large ({seekableZip.Length} bytes; limit is {limits.MaxZipBytes} bytes)");
        }

        try
        {
            return InspectEntries(seekableZip, Encoding.UTF8.GetBytes($"{modulePath}@{version}/"), limits);
        }
        catch (InvalidDataException ex)
        {
            return ModuleZipReport.Invalid($"not a valid zip file: {ex.Message}");
        }
        catch (OverflowException)
        {
            return ModuleZipReport.Invalid("not a valid zip file: an offset or size overflows");
        }
    }

    private static ModuleZipReport InspectEntries(Stream stream, byte[] prefix, ModuleZipLimits limits)
    {
        var reader = ZipReader.Open(stream);
        if (reader.EntryCount > limits.MaxEntries)
        {
            return ModuleZipReport.Invalid($"the zip has {reader.EntryCount} entries, more than the limit of {limits.MaxEntries}");
        }

        // Pass 1, names and declared sizes only (x/mod/zip checkZip): nothing is decompressed before they pass.
        var collisions = new FoldedPathSet();
        long total = 0;
        foreach (var entry in reader.ReadEntries())
        {
            var name = entry.NameBytes;
            if (!name.AsSpan().StartsWith(prefix))
            {
                return ModuleZipReport.Invalid($"entry {ZipNames.Quote(name)} is not under \"{Encoding.UTF8.GetString(prefix)}\"");
            }

            var problem = CheckName(name.AsSpan(prefix.Length), entry, collisions, limits);
            if (problem is not null)
            {
                return ModuleZipReport.Invalid(problem);
            }

            // Checked arithmetic: declared sizes are unsigned 64-bit; a sum that would pass the limit is refused.
            if (entry.UncompressedSize > (ulong)(limits.MaxUncompressedBytes - total))
            {
                return ModuleZipReport.Invalid($"total uncompressed size of module contents too large (max size is {limits.MaxUncompressedBytes} bytes)");
            }

            total += (long)entry.UncompressedSize;
        }

        collisions = null;

        // Pass 2, contents (archive/zip, Unzip's size checks, dirhash.HashZip): every entry read to its end.
        var names = new EntryNameList();
        byte[]? goMod = null;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> digest = stackalloc byte[32];
        try
        {
            foreach (var entry in reader.ReadEntries())
            {
                var relative = entry.NameBytes.AsSpan(prefix.Length);
                var isGoMod = relative.SequenceEqual("go.mod"u8);
                using (var content = reader.OpenContent(entry))
                {
                    // Pass 1 held go.mod to MaxGoModBytes; the content stream holds it to its declared size.
                    var goModBytes = isGoMod ? new byte[entry.UncompressedSize] : null;
                    var at = 0;
                    int n;
                    while ((n = content.Read(buffer)) > 0)
                    {
                        sha.AppendData(buffer, 0, n);
                        if (goModBytes is not null)
                        {
                            buffer.AsSpan(0, n).CopyTo(goModBytes.AsSpan(at));
                            at += n;
                        }
                    }

                    goMod = goModBytes ?? goMod;
                }

                sha.GetHashAndReset(digest);
                names.Add(relative, digest);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new ModuleZipReport(null, names.Hash1(prefix, refuseDuplicates: false), goMod);
    }

    private static string? CheckName(ReadOnlySpan<byte> relative, ZipEntryInfo entry, FoldedPathSet collisions, ModuleZipLimits limits)
    {
        if (relative.Length == 0)
        {
            return null;
        }

        var isDirectory = relative[^1] == '/';
        var path = isDirectory ? relative[..^1] : relative;
        if (!ModuleFilePath.IsClean(path))
        {
            return $"entry {ZipNames.Quote(entry.NameBytes)}: file path is not clean";
        }

        if (ModuleFilePath.Check(path) is { } invalid)
        {
            return $"entry {ZipNames.Quote(entry.NameBytes)}: malformed file path: {invalid}";
        }

        if (collisions.Add(path, isDirectory) is { } collision)
        {
            return collision;
        }

        if (isDirectory)
        {
            return null;
        }

        var lastSlash = path.LastIndexOf((byte)'/');
        var baseName = lastSlash < 0 ? path : path[(lastSlash + 1)..];
        if (Ascii.EqualsIgnoreCase(baseName, "go.mod"u8))
        {
            if (lastSlash >= 0)
            {
                return $"go.mod file not in module root directory: {ZipNames.Quote(entry.NameBytes)}";
            }

            if (!path.SequenceEqual("go.mod"u8))
            {
                return $"go.mod files must have lowercase names: {ZipNames.Quote(entry.NameBytes)}";
            }
        }

        if (path.SequenceEqual("go.mod"u8) && entry.UncompressedSize > (ulong)limits.MaxGoModBytes)
        {
            return $"go.mod file too large ({entry.UncompressedSize} bytes; max size is {limits.MaxGoModBytes} bytes)";
        }

        if (path.SequenceEqual("LICENSE"u8) && entry.UncompressedSize > (ulong)limits.MaxLicenseBytes)
        {
            return $"LICENSE file too large ({entry.UncompressedSize} bytes; max size is {limits.MaxLicenseBytes} bytes)";
        }

        return null;
    }
}
