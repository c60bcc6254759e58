namespace ModMesh.Protocol;

/// <summary>Parses GOPROXY-style lists ("https://a,https://b|direct").</summary>
/// <remarks>
/// Follows the go command (cmd/go/internal/modfetch proxyList): entries are separated by ',' or '|', surrounding
/// spaces are trimmed and empty entries are skipped; "direct" and "off" are keywords; an entry that contains '.',
/// ':' or '/' but no ":/" and is not an absolute path gets "https://" prepended; URLs must be http, https or file
/// (file URLs with nothing but a path). Where go silently ignores entries after "direct" or "off", this parser
/// reports an error instead, since such entries would never be used. A list with no entries at all is an error.
/// Query strings, fragments and user information in proxy URLs are rejected (they cannot be joined with paths).
/// </remarks>
public static class ProxyList
{
    /// <summary>Parses the list; false with an error for empty entries, bad URLs, or entries after "off"/"direct" used wrongly.</summary>
    public static bool TryParse(string value, out IReadOnlyList<ProxyListEntry> entries, out string? error)
    {
        entries = [];
        error = null;
        var list = new List<ProxyListEntry>();
        var rest = value ?? "";
        string? terminal = null;
        while (rest.Length > 0)
        {
            string raw;
            var fallThrough = false;
            var sep = rest.IndexOfAny([',', '|']);
            if (sep >= 0)
            {
                raw = rest.Substring(0, sep);
                fallThrough = rest[sep] == '|';
                rest = rest.Substring(sep + 1);
            }
            else
            {
                raw = rest;
                rest = "";
            }

            var item = raw.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            if (terminal is not null)
            {
                error = $"GOPROXY entry \"{item}\" after \"{terminal}\" would never be used";
                return false;
            }

            if (item is "direct" or "off")
            {
                terminal = item;
                list.Add(new ProxyListEntry(item == "direct" ? ProxyEntryKind.Direct : ProxyEntryKind.Off, item, fallThrough));
                continue;
            }

            if (!TryNormalizeUrl(item, out var url, out error))
            {
                return false;
            }

            list.Add(new ProxyListEntry(ProxyEntryKind.Url, url, fallThrough));
        }

        if (list.Count == 0)
        {
            error = "GOPROXY list contains no entries";
            return false;
        }

        // Nothing follows the last entry, so there is nothing to fall through to.
        list[^1] = list[^1] with { FallThroughOnAnyError = false };
        entries = list;
        return true;
    }

    private static bool TryNormalizeUrl(string item, out string url, out string? error)
    {
        url = "";
        foreach (var c in item)
        {
            if (c <= ' ' || c >= '\x7f')
            {
                error = $"invalid proxy URL \"{item}\": contains a space, control or non-ASCII character";
                return false;
            }
        }

        // Single words are reserved for keywords; host/path without a scheme means https.
        if (item.IndexOfAny(['.', ':', '/']) >= 0 && !item.Contains(":/", StringComparison.Ordinal) && item[0] != '/')
        {
            item = "https://" + item;
        }

        var colon = item.IndexOf(':');
        if (colon <= 0 || !IsScheme(item.AsSpan(0, colon)))
        {
            error = $"invalid proxy URL missing scheme: {item}";
            return false;
        }

        var scheme = item.Substring(0, colon).ToLowerInvariant();
        var afterScheme = item.Substring(colon + 1);
        if (afterScheme.IndexOfAny(['?', '#']) >= 0)
        {
            error = $"invalid proxy URL \"{item}\": query strings and fragments are not allowed";
            return false;
        }

        switch (scheme)
        {
            case "http" or "https":
            {
                if (!afterScheme.StartsWith("//", StringComparison.Ordinal))
                {
                    error = $"invalid proxy URL \"{item}\": expected {scheme}://host/path";
                    return false;
                }

                var slash = afterScheme.IndexOf('/', 2);
                var authority = slash < 0 ? afterScheme.Substring(2) : afterScheme.Substring(2, slash - 2);
                if (authority.Length == 0 || authority.Contains('@')
                    || !Uri.TryCreate(scheme + ":" + afterScheme, UriKind.Absolute, out var parsed)
                    || parsed.Host.Length == 0)
                {
                    error = $"invalid proxy URL \"{item}\": missing or malformed host";
                    return false;
                }

                url = scheme + ":" + afterScheme.TrimEnd('/');
                if (url.Length == scheme.Length + 3)
                {
                    error = $"invalid proxy URL \"{item}\": missing host";
                    return false;
                }

                error = null;
                return true;
            }

            case "file":
            {
                // Only a path: file:///abs/path (no host).
                if (!afterScheme.StartsWith("///", StringComparison.Ordinal) && !(afterScheme.StartsWith('/') && !afterScheme.StartsWith("//", StringComparison.Ordinal)))
                {
                    error = $"invalid file:// proxy URL with non-path elements: {item}";
                    return false;
                }

                var trimmed = afterScheme.TrimEnd('/');
                url = scheme + ":" + (trimmed.Length == 0 ? "///" : trimmed);
                error = null;
                return true;
            }

            default:
                error = $"invalid proxy URL scheme (must be https, http, file): {item}";
                return false;
        }
    }

    private static bool IsScheme(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0]))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
