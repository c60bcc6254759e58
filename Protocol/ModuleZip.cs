using System.IO.Compression;

namespace ModMesh.Protocol;

/// <summary>
/// The structural rules of a module zip (go.dev/ref/mod#zip-files), checked before a zip is committed: every
/// entry under "{module}@{version}/", clean relative paths, no two names that differ only in case, and the size
/// limits the go command enforces (declared sizes; the go command re-checks actual sizes when it extracts).
/// </summary>
public static partial class ModuleZip
{
    /// <summary>The go command's limit on a module zip's total uncompressed size (500 MiB).</summary>
    public const long MaxUncompressedBytes = 500L << 20;

    /// <summary>The go command's limit on go.mod and LICENSE files inside a zip (16 MiB).</summary>
    public const long MaxGoModBytes = 16L << 20;

    /// <summary>
    /// Checks a seekable zip. Returns null when it is a valid module zip for <paramref name="modulePath"/>@
    /// <paramref name="version"/>, else the first problem found, worded for a person.
    /// </summary>
    public static string? Check(Stream seekableZip, string modulePath, string version, long maxUncompressedBytes = MaxUncompressedBytes)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        var prefix = $"{modulePath}@{version}/";
        try
        {
            using var archive = new ZipArchive(seekableZip, ZipArchiveMode.Read, leaveOpen: true);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                var name = entry.FullName;
                if (!name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return $"zip entry \"{Shorten(name)}\" is not under \"{prefix}\"";
                }

                var relative = name[prefix.Length..];
                if (relative.Length == 0)
                {
                    continue;
                }

                var isDirectory = relative.EndsWith('/');
                if (isDirectory)
                {
                    relative = relative[..^1];
                }

                var problem = CheckRelativePath(relative);
                if (problem is not null)
                {
                    return $"zip entry \"{Shorten(name)}\": {problem}";
                }

                if (!seen.Add(relative))
                {
                    return $"zip entry \"{Shorten(name)}\" collides with another entry (names equal ignoring case)";
                }

                if (isDirectory)
                {
                    continue;
                }

                if (entry.Length < 0)
                {
                    return $"zip entry \"{Shorten(name)}\" has a negative size";
                }

                if ((relative == "go.mod" || relative == "LICENSE") && entry.Length > MaxGoModBytes)
                {
                    return $"{relative} in the zip is {entry.Length} bytes, over the limit of {MaxGoModBytes}";
                }

                total += entry.Length;
                if (total > maxUncompressedBytes)
                {
                    return $"the zip's files add up to more than {maxUncompressedBytes} bytes uncompressed";
                }
            }

            return null;
        }
        catch (InvalidDataException ex)
        {
            return $"not a valid zip file: {ex.Message}";
        }
    }

    private static string? CheckRelativePath(string relative)
    {
        if (relative.StartsWith('/'))
        {
            return "absolute path";
        }

        foreach (var element in relative.Split('/'))
        {
            if (element.Length == 0)
            {
                return "empty path element";
            }

            if (element is "." or "..")
            {
                return "path is not clean (\".\" or \"..\" element)";
            }

            foreach (var c in element)
            {
                if (!FileNameCharOk(c))
                {
                    return $"invalid character U+{(int)c:X4} in file name \"{element}\"";
                }
            }
        }

        return null;
    }

    // The file-name alphabet of module.CheckFilePath: ASCII letters, digits and a fixed set of punctuation;
    // beyond ASCII, letters only (surrogate halves pass: the pair is judged by the go command on extraction).
    private static bool FileNameCharOk(char c) =>
        c < 0x80
            ? char.IsAsciiLetterOrDigit(c) || "!#$%&()+,-.=@[]^_{}~ ".Contains(c)
            : char.IsLetter(c) || char.IsSurrogate(c);

    private static string Shorten(string name) => name.Length <= 120 ? name : name[..117] + "...";
}
