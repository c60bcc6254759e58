using System.Text;

namespace ModMesh.Protocol;

/// <summary>
/// The little of go.mod's grammar the proxy needs: which module a go.mod declares. Enough to refuse a .mod (or a
/// zip's go.mod) that names another module than the one asked for, as the go command does ("module declares its
/// path as ... but was required as ...").
/// </summary>
public static class GoModFile
{
    /// <summary>
    /// The path of the first <c>module</c> directive (plain, "quoted", `raw`, or in a "module ( ... )" block), or null
    /// when there is none or the bytes are not UTF-8 text.
    /// </summary>
    public static string? ModulePathOf(ReadOnlySpan<byte> goMod)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(goMod);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var inBlock = false;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = StripComment(rawLine).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (inBlock)
            {
                if (line == ")")
                {
                    inBlock = false;
                    continue;
                }

                return Unquote(line);
            }

            if (!line.StartsWith("module", StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line["module".Length..];
            if (rest.Length == 0 || !(char.IsWhiteSpace(rest[0]) || rest[0] is '(' or '"' or '`'))
            {
                continue;
            }

            rest = rest.Trim();
            if (rest == "(")
            {
                inBlock = true;
                continue;
            }

            return Unquote(rest);
        }

        return null;
    }

    /// <summary>
    /// The language version of the first top-level <c>go</c> directive ("1.21" for "go 1.21.3" or "go 1.21rc1"), or
    /// null when there is none, it is not a Go version, or the bytes are not UTF-8 text. Lax like modfile.ParseLax:
    /// a version followed by other text ("1.24-foo") counts as its leading "1.24".
    /// </summary>
    public static (int Major, int Minor)? GoLanguageVersionOf(ReadOnlySpan<byte> goMod)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(goMod);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var depth = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = StripComment(rawLine).Trim();
            if (line.EndsWith('(') )
            {
                depth++;
                continue;
            }

            if (line == ")")
            {
                depth = Math.Max(0, depth - 1);
                continue;
            }

            if (depth > 0 || !line.StartsWith("go", StringComparison.Ordinal) || line.Length < 3 || !char.IsWhiteSpace(line[2]))
            {
                continue;
            }

            return ParseLanguageVersion(Unquote(line[2..]) ?? "");
        }

        return null;
    }

    private static (int Major, int Minor)? ParseLanguageVersion(string version)
    {
        // GoVersionRE (1.N, 1.N.P, 1.NrcK/betaK), or laxGoVersionRE's "1.N" followed by a non-digit.
        if (version.StartsWith('v'))
        {
            version = version[1..];
        }

        var dot = version.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !IsNumber(version[..dot]))
        {
            return null;
        }

        var end = dot + 1;
        while (end < version.Length && char.IsAsciiDigit(version[end]))
        {
            end++;
        }

        if (!IsNumber(version[(dot + 1)..end]))
        {
            return null;
        }

        var major = int.TryParse(version[..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : int.MaxValue;
        var minor = int.TryParse(version[(dot + 1)..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
        return (major, minor);
    }

    private static bool IsNumber(string digits) =>
        digits.Length > 0 && digits.All(char.IsAsciiDigit) && (digits == "0" || digits[0] != '0');

    /// <summary>Null when <paramref name="goMod"/> declares <paramref name="modulePath"/>, else what is wrong.</summary>
    public static string? CheckDeclares(ReadOnlySpan<byte> goMod, string modulePath)
    {
        var declared = ModulePathOf(goMod);
        if (declared is null)
        {
            return "it has no module directive";
        }

        return declared == modulePath ? null : $"it declares module \"{ClientText.Escape(declared, 120)}\", not \"{modulePath}\"";
    }

    private static string StripComment(string line)
    {
        // "//" starts a comment unless inside a quoted string.
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '`')
            {
                quote = c;
            }
            else if (c == '/' && i + 1 < line.Length && line[i + 1] == '/')
            {
                return line[..i];
            }
        }

        return line;
    }

    private static string? Unquote(string value)
    {
        value = value.Trim();
        if (value.Length >= 2 && value[0] == '`' && value[^1] == '`')
        {
            return value[1..^1];
        }

        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var inner = value[1..^1];
            return inner.Contains('\\', StringComparison.Ordinal) ? null : inner;
        }

        return value.Length == 0 || value.Any(char.IsWhiteSpace) ? null : value;
    }
}
