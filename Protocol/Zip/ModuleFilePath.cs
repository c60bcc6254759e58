using System.Text;

namespace ModMesh.Protocol.Zip;

/// <summary>
/// The file-path rules of golang.org/x/mod's module.CheckFilePath and path.Clean, and the case folding of its zip
/// collision checker (strToFold: Unicode simple case folding), over UTF-8 bytes.
/// </summary>
internal static class ModuleFilePath
{
    private static readonly string[] WindowsReservedNames =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    /// <summary>Whether path.Clean(<paramref name="path"/>) == <paramref name="path"/> in Go.</summary>
    public static bool IsClean(ReadOnlySpan<byte> path)
    {
        if (path.Length == 0)
        {
            return false;
        }

        if (path.SequenceEqual("/"u8) || path.SequenceEqual("."u8))
        {
            return true;
        }

        if (path[^1] == '/')
        {
            return false;
        }

        var rooted = path[0] == '/';
        var rest = rooted ? path[1..] : path;
        var leadingDotDots = !rooted;
        while (true)
        {
            var slash = rest.IndexOf((byte)'/');
            var element = slash < 0 ? rest : rest[..slash];
            if (element.Length == 0 || element.SequenceEqual("."u8))
            {
                return false;
            }

            if (element.SequenceEqual(".."u8))
            {
                if (!leadingDotDots)
                {
                    return false;
                }
            }
            else
            {
                leadingDotDots = false;
            }

            if (slash < 0)
            {
                return true;
            }

            rest = rest[(slash + 1)..];
        }
    }

    /// <summary>module.CheckFilePath: null when valid, else the reason.</summary>
    public static string? Check(ReadOnlySpan<byte> path)
    {
        if (!System.Text.Unicode.Utf8.IsValid(path))
        {
            return "invalid UTF-8";
        }

        if (path.Length == 0)
        {
            return "empty string";
        }

        if (path.IndexOf("//"u8) >= 0)
        {
            return "double slash";
        }

        if (path[^1] == '/')
        {
            return "trailing slash";
        }

        var rest = path;
        while (true)
        {
            var slash = rest.IndexOf((byte)'/');
            var problem = CheckElement(slash < 0 ? rest : rest[..slash]);
            if (problem is not null)
            {
                return problem;
            }

            if (slash < 0)
            {
                return null;
            }

            rest = rest[(slash + 1)..];
        }
    }

    private static string? CheckElement(ReadOnlySpan<byte> element)
    {
        if (element.Length == 0)
        {
            return "empty path element";
        }

        if (element.IndexOfAnyExcept((byte)'.') < 0)
        {
            return $"invalid path element {ZipNames.Quote(element)}";
        }

        if (element[^1] == '.')
        {
            return "trailing dot in path element";
        }

        var text = element;
        while (!text.IsEmpty)
        {
            Rune.DecodeFromUtf8(text, out var rune, out var consumed);
            if (!FileNameRuneOk(rune))
            {
                return $"invalid char {ZipNames.Quote(rune.ToString())}";
            }

            text = text[consumed..];
        }

        // Windows reserved names, compared case-insensitively up to the first dot ("con.go", "AUX", "Lpt1.txt").
        // Only ASCII can fold to these letters and digits, so an ASCII case-insensitive compare is Go's EqualFold here.
        var dot = element.IndexOf((byte)'.');
        var shortName = dot < 0 ? element : element[..dot];
        foreach (var reserved in WindowsReservedNames)
        {
            if (Ascii.EqualsIgnoreCase(shortName, reserved.AsSpan()))
            {
                return $"{ZipNames.Quote(shortName)} disallowed as path element component on Windows";
            }
        }

        // No "~1" short-name rule: x/mod applies it to import paths only, not to file paths.
        return null;
    }

    // fileNameOK: ASCII letters, digits and "!#$%&()+,-.=@[]^_{}~ "; beyond ASCII, letters only.
    private static bool FileNameRuneOk(Rune rune) =>
        rune.IsAscii
            ? char.IsAsciiLetterOrDigit((char)rune.Value) || "!#$%&()+,-.=@[]^_{}~ ".Contains((char)rune.Value)
            : Rune.IsLetter(rune);

    /// <summary>
    /// Appends Go's strToFold of a valid UTF-8 path: each rune replaced by a canonical member of its simple case
    /// folding orbit. The canonical member differs from Go's (lower rather than orbit minimum) but two runes get the
    /// same one exactly when Go's orbits match: checked against go 1.19 for every letter; U+017F (long s), which
    /// .NET's invariant casing leaves alone, is folded to 's' by hand.
    /// </summary>
    public static int Fold(ReadOnlySpan<byte> path, Span<byte> destination)
    {
        var written = 0;
        while (!path.IsEmpty)
        {
            var b = path[0];
            if (b < 0x80)
            {
                destination[written++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
                path = path[1..];
                continue;
            }

            Rune.DecodeFromUtf8(path, out var rune, out var consumed);
            path = path[consumed..];
            var folded = rune.Value == 0x17F ? new Rune('s') : Rune.ToLowerInvariant(Rune.ToUpperInvariant(rune));
            written += folded.EncodeToUtf8(destination[written..]);
        }

        return written;
    }

    /// <summary>An upper bound of <see cref="Fold"/>'s output length.</summary>
    public static int MaxFoldedLength(int length) => checked(length * 2);
}
