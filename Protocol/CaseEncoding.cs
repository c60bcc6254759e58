using System.Text;

namespace ModMesh.Protocol;

/// <summary>Case-encoding ("!a" for "A") of module paths and versions in GOPROXY URLs and file names.</summary>
/// <remarks>Same rules as golang.org/x/mod/module EscapePath/UnescapePath/EscapeVersion/UnescapeVersion.</remarks>
public static class CaseEncoding
{
    /// <summary>Encodes a valid module path; false (with error) when the path is invalid.</summary>
    public static bool TryEscapePath(string path, out string escaped, out string? error)
    {
        escaped = "";
        if (!ModulePath.IsValid(path, out error))
        {
            return false;
        }

        escaped = Escape(path);
        return true;
    }

    /// <summary>Decodes an encoded module path and validates the result; false (with error) on any malformed input.</summary>
    public static bool TryUnescapePath(string escaped, out string path, out string? error)
    {
        path = "";
        if (!TryUnescape(escaped, out var decoded, out var why))
        {
            error = $"invalid escaped module path \"{escaped}\": {why}";
            return false;
        }

        if (!ModulePath.IsValid(decoded, out var invalid))
        {
            error = $"invalid escaped module path \"{escaped}\": {invalid}";
            return false;
        }

        path = decoded;
        error = null;
        return true;
    }

    /// <summary>Encodes a version (any version string acceptable in a URL element, canonical or a query like "master").</summary>
    /// <remarks>Accepted: what Go accepts as a file-name element (no '/', no leading/trailing dot, no control chars), without '!'.</remarks>
    public static bool TryEscapeVersion(string version, out string escaped, out string? error)
    {
        escaped = "";
        if (version is null || ModulePath.CheckElement(version, ModulePath.PathKind.File) is not null || version.Contains('!'))
        {
            error = $"version \"{version}\" invalid: disallowed version string";
            return false;
        }

        foreach (var c in version)
        {
            if (c >= 0x80)
            {
                error = $"version \"{version}\" invalid: non-ASCII characters cannot be case-encoded";
                return false;
            }
        }

        escaped = Escape(version);
        error = null;
        return true;
    }

    /// <summary>Decodes an encoded version; false (with error) on malformed input.</summary>
    public static bool TryUnescapeVersion(string escaped, out string version, out string? error)
    {
        version = "";
        if (!TryUnescape(escaped, out var decoded, out var why))
        {
            error = $"invalid escaped version \"{escaped}\": {why}";
            return false;
        }

        var invalid = ModulePath.CheckElement(decoded, ModulePath.PathKind.File);
        if (invalid is not null)
        {
            error = $"invalid escaped version \"{escaped}\": {invalid}";
            return false;
        }

        version = decoded;
        error = null;
        return true;
    }

    private static string Escape(string s)
    {
        var upper = 0;
        foreach (var c in s)
        {
            if (c is >= 'A' and <= 'Z')
            {
                upper++;
            }
        }

        if (upper == 0)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length + upper);
        foreach (var c in s)
        {
            if (c is >= 'A' and <= 'Z')
            {
                sb.Append('!').Append((char)(c + ('a' - 'A')));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static bool TryUnescape(string? escaped, out string decoded, out string? why)
    {
        decoded = "";
        if (escaped is null)
        {
            why = "null";
            return false;
        }

        var sb = new StringBuilder(escaped.Length);
        var bang = false;
        foreach (var c in escaped)
        {
            if (c >= 0x80)
            {
                why = "non-ASCII character";
                return false;
            }

            if (bang)
            {
                bang = false;
                if (c is < 'a' or > 'z')
                {
                    why = $"'!' must be followed by a lowercase letter, not '{c}'";
                    return false;
                }

                sb.Append((char)(c - ('a' - 'A')));
                continue;
            }

            if (c == '!')
            {
                bang = true;
                continue;
            }

            if (c is >= 'A' and <= 'Z')
            {
                why = $"uppercase letter '{c}' must be encoded as '!{(char)(c + ('a' - 'A'))}'";
                return false;
            }

            sb.Append(c);
        }

        if (bang)
        {
            why = "trailing '!'";
            return false;
        }

        decoded = sb.ToString();
        why = null;
        return true;
    }
}
