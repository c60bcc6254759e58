using System.Globalization;
using System.Text;

namespace ModMesh.Protocol;

/// <summary>Parses the path of a GOPROXY request.</summary>
/// <remarks>
/// Routes: <c>/$module/@v/list</c>, <c>/$module/@v/$version.info|.mod|.zip</c>, <c>/$module/@latest</c>,
/// <c>/sumdb/$name/supported</c>, <c>/sumdb/$name/latest</c>, <c>/sumdb/$name/lookup/$module@$version</c> and
/// <c>/sumdb/$name/tile/$H/$L|data/$K[.p/$W]</c>. The module path is everything before the first "@v" or
/// "@latest" element. Decisions where Go leaves room:
/// <list type="bullet">
/// <item>A file after "@v/" other than "list" with an extension other than .info/.mod/.zip (e.g. "v1.0.0.txt") is
/// <see cref="ProxyPathStatus.NotFound"/>, as is "@v" or "@latest" followed by a different number of elements
/// than the route has: the go command never asks for these, and 404 lets a client fall through.</item>
/// <item>.info accepts queries ("master", "v1.2", "latest"): any version of URL-safe characters
/// (letters, digits, '.', '-', '_', '~', '+') that Go would accept as a file-name element.</item>
/// <item>.mod, .zip and sumdb lookups need a canonical semantic version ("+incompatible" allowed).</item>
/// <item>Whether a version fits the module path's major suffix is not checked here (an upstream answers 404 for
/// such versions): use <see cref="ModulePath.IsValidModuleVersion"/> where that matters.</item>
/// <item>A checksum database name must look like a lowercase host name (labels of a-z, 0-9 and '-', dot-separated).</item>
/// </list>
/// </remarks>
public static class ProxyPathParser
{
    /// <summary>The longest accepted request path, in bytes.</summary>
    public const int MaxPathLength = 4096;

    /// <summary>
    /// The longest accepted path element, in bytes (case-encoded, as in the URL). File systems and object stores
    /// refuse longer names (255 bytes), and a version file adds ".info" to the last element; no real module comes close.
    /// </summary>
    public const int MaxElementLength = 200;

    /// <summary>The longest accepted module path (case-encoded), in bytes.</summary>
    public const int MaxModulePathLength = 1024;

    private const int MaxTileHeight = 30;

    /// <summary>
    /// Parses <paramref name="path"/>, the request path below the proxy's base ("/github.com/!azure/x/@v/list").
    /// Must be given the raw (not percent-decoded) path; any '%', NUL, control or non-ASCII character, "." or ".."
    /// element, empty element, or path over 4096 bytes is BadRequest with a message.
    /// </summary>
    public static ProxyPathStatus TryParse(string path, out ProxyRequest? request, out string? error)
    {
        request = null;
        error = null;
        if (string.IsNullOrEmpty(path))
        {
            return Bad("empty request path", out error);
        }

        if (path.Length > MaxPathLength)
        {
            return Bad($"request path is longer than {MaxPathLength} bytes", out error);
        }

        if (path[0] != '/')
        {
            return Bad("request path must start with '/'", out error);
        }

        // The go command escapes '!' (the case-encoding mark) as "%21" in request paths (url.PathEscape); that one
        // escape is undone. Every other percent-escape stays refused below: nothing else in a module proxy path needs
        // one, and decoding more would open "%2e%2e" and "%2f" tricks.
        if (path.Contains("%21", StringComparison.OrdinalIgnoreCase))
        {
            path = path.Replace("%21", "!", StringComparison.OrdinalIgnoreCase);
        }

        foreach (var c in path)
        {
            var why = c switch
            {
                '%' => "percent-encoded characters ('%') are not allowed in a module proxy path",
                '\\' => "backslash is not allowed in a module proxy path",
                '?' or '#' => "the path must not contain a query or fragment",
                < ' ' or '\x7f' => "control characters are not allowed in a module proxy path",
                > '\x7f' => "non-ASCII characters are not allowed in a module proxy path (upper case is encoded as '!' + lower case)",
                _ => null,
            };
            if (why is not null)
            {
                return Bad(why, out error);
            }
        }

        if (path == "/")
        {
            return NotFound("no such route: expected $module/@v/..., $module/@latest or sumdb/...", out error);
        }

        var elements = path.Substring(1).Split('/');
        foreach (var e in elements)
        {
            if (e.Length == 0)
            {
                return Bad("empty path element (\"//\" or a trailing '/')", out error);
            }

            if (e is "." or "..")
            {
                return Bad("\".\" and \"..\" path elements are not allowed", out error);
            }

            if (e.Length > MaxElementLength)
            {
                return Bad($"a path element is longer than {MaxElementLength} bytes", out error);
            }
        }

        if (elements[0] == "sumdb")
        {
            return ParseSumdb(elements, out request, out error);
        }

        var marker = Array.FindIndex(elements, e => e is "@v" or "@latest");
        if (marker < 0)
        {
            return NotFound("no such route: expected $module/@v/..., $module/@latest or sumdb/...", out error);
        }

        if (marker == 0)
        {
            return Bad($"missing module path before \"{elements[0]}\"", out error);
        }

        var escapedModule = string.Join('/', elements, 0, marker);
        if (escapedModule.Length > MaxModulePathLength)
        {
            return Bad($"the module path is longer than {MaxModulePathLength} bytes", out error);
        }

        var tail = elements.Length - marker - 1;
        if (elements[marker] == "@latest")
        {
            if (tail != 0)
            {
                return NotFound("no such route: nothing may follow \"@latest\"", out error);
            }

            if (!CaseEncoding.TryUnescapePath(escapedModule, out var latestModule, out error))
            {
                return ProxyPathStatus.BadRequest;
            }

            request = new ProxyRequest(ProxyRequestKind.Latest, latestModule, escapedModule, null, null);
            return ProxyPathStatus.Ok;
        }

        if (tail != 1)
        {
            return NotFound("no such route: expected \"@v/list\" or \"@v/$version.info|.mod|.zip\"", out error);
        }

        var file = elements[marker + 1];
        ProxyRequestKind kind;
        string extension;
        if (file == "list")
        {
            kind = ProxyRequestKind.List;
            extension = "";
        }
        else if (file.EndsWith(".info", StringComparison.Ordinal))
        {
            (kind, extension) = (ProxyRequestKind.Info, ".info");
        }
        else if (file.EndsWith(".mod", StringComparison.Ordinal))
        {
            (kind, extension) = (ProxyRequestKind.Mod, ".mod");
        }
        else if (file.EndsWith(".zip", StringComparison.Ordinal))
        {
            (kind, extension) = (ProxyRequestKind.Zip, ".zip");
        }
        else
        {
            return NotFound($"no such route: \"@v/{file}\" is not list, $version.info, $version.mod or $version.zip", out error);
        }

        if (!CaseEncoding.TryUnescapePath(escapedModule, out var module, out error))
        {
            return ProxyPathStatus.BadRequest;
        }

        if (kind == ProxyRequestKind.List)
        {
            request = new ProxyRequest(kind, module, escapedModule, null, null);
            return ProxyPathStatus.Ok;
        }

        var escapedVersion = file.Substring(0, file.Length - extension.Length);
        if (escapedVersion.Length == 0)
        {
            return Bad($"missing version before \"{extension}\"", out error);
        }

        if (!CaseEncoding.TryUnescapeVersion(escapedVersion, out var version, out error))
        {
            return ProxyPathStatus.BadRequest;
        }

        if (kind == ProxyRequestKind.Info)
        {
            foreach (var c in version)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~' or '+'))
                {
                    return Bad($"version query \"{version}\" contains '{c}': only letters, digits and . - _ ~ + are allowed", out error);
                }
            }
        }
        else if (!CheckCanonical(version, extension, out error))
        {
            return ProxyPathStatus.BadRequest;
        }

        request = new ProxyRequest(kind, module, escapedModule, version, escapedVersion);
        return ProxyPathStatus.Ok;
    }

    private static ProxyPathStatus ParseSumdb(string[] elements, out ProxyRequest? request, out string? error)
    {
        request = null;
        if (elements.Length < 3)
        {
            return NotFound("no such route: expected sumdb/$name/supported, latest, lookup/... or tile/...", out error);
        }

        var name = elements[1];
        if (!IsHostName(name))
        {
            return Bad($"invalid checksum database name \"{name}\": must be a lowercase host name such as sum.golang.org", out error);
        }

        var rest = string.Join('/', elements, 2, elements.Length - 2);
        switch (elements[2])
        {
            case "supported" when elements.Length == 3:
                request = new ProxyRequest(ProxyRequestKind.SumdbSupported, "", "", null, null, name, rest);
                error = null;
                return ProxyPathStatus.Ok;

            case "latest" when elements.Length == 3:
                request = new ProxyRequest(ProxyRequestKind.SumdbLatest, "", "", null, null, name, rest);
                error = null;
                return ProxyPathStatus.Ok;

            case "lookup" when elements.Length > 3:
                return ParseLookup(name, rest, string.Join('/', elements, 3, elements.Length - 3), out request, out error);

            case "tile" when elements.Length > 3:
                if (!IsCanonicalTilePath(elements.AsSpan(2), rest))
                {
                    return Bad($"malformed tile path \"{rest}\"", out error);
                }

                request = new ProxyRequest(ProxyRequestKind.SumdbTile, "", "", null, null, name, rest);
                error = null;
                return ProxyPathStatus.Ok;

            default:
                return NotFound("no such route: expected sumdb/$name/supported, latest, lookup/$module@$version or tile/...", out error);
        }
    }

    private static ProxyPathStatus ParseLookup(string name, string rest, string target, out ProxyRequest? request, out string? error)
    {
        request = null;
        var at = target.IndexOf('@');
        if (at < 0)
        {
            return Bad("sumdb lookup needs module@version", out error);
        }

        if (at == 0)
        {
            return Bad("missing module path in sumdb lookup", out error);
        }

        var escapedModule = target.Substring(0, at);
        var escapedVersion = target.Substring(at + 1);
        if (escapedVersion.Length == 0)
        {
            return Bad("missing version in sumdb lookup", out error);
        }

        if (escapedVersion.Contains('/'))
        {
            return Bad("the version in a sumdb lookup must not contain '/'", out error);
        }

        if (!CaseEncoding.TryUnescapePath(escapedModule, out var module, out error)
            || !CaseEncoding.TryUnescapeVersion(escapedVersion, out var version, out error)
            || !CheckCanonical(version, " lookup", out error))
        {
            return ProxyPathStatus.BadRequest;
        }

        request = new ProxyRequest(ProxyRequestKind.SumdbLookup, module, escapedModule, version, escapedVersion, name, rest);
        return ProxyPathStatus.Ok;
    }

    private static bool CheckCanonical(string version, string what, out string? error)
    {
        if (!Semver.IsValid(version))
        {
            error = $"version \"{version}\" is not a semantic version: {what.Trim()} requests need a canonical version such as v1.2.3";
            return false;
        }

        if (!Semver.IsCanonical(version))
        {
            error = $"version \"{version}\" must be canonical (\"{Semver.Canonical(version)}\") for {what.Trim()} requests";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Validates tile/H/L/K[.p/W] exactly as golang.org/x/mod/sumdb/tlog.ParseTilePath: parses, then requires the canonical spelling.</summary>
    private static bool IsCanonicalTilePath(ReadOnlySpan<string> f, string rest)
    {
        if (f.Length < 4 || f[0] != "tile")
        {
            return false;
        }

        if (!TryParseSmall(f[1], out var height) || height < 1 || height > MaxTileHeight)
        {
            return false;
        }

        var isData = f[2] == "data";
        var level = 0;
        if (!isData && !TryParseSmall(f[2], out level))
        {
            return false;
        }

        var fullWidth = 1 << height;
        var width = fullWidth;
        var numberParts = f.Slice(3).ToArray();
        if (numberParts.Length >= 2 && numberParts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryParseSmall(numberParts[^1], out width) || width <= 0 || width >= fullWidth)
            {
                return false;
            }

            numberParts = numberParts[..^1];
            numberParts[^1] = numberParts[^1][..^2];
        }

        long n = 0;
        foreach (var part in numberParts)
        {
            var digits = part.StartsWith('x') ? part.Substring(1) : part;
            if (!TryParseSmall(digits, out var k) || k >= 1000)
            {
                return false;
            }

            try
            {
                n = checked((n * 1000) + k);
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        var sb = new StringBuilder();
        var nStr = (n % 1000).ToString("D3", CultureInfo.InvariantCulture);
        for (var m = n; m >= 1000;)
        {
            m /= 1000;
            nStr = "x" + (m % 1000).ToString("D3", CultureInfo.InvariantCulture) + "/" + nStr;
        }

        sb.Append("tile/").Append(height.ToString(CultureInfo.InvariantCulture)).Append('/')
          .Append(isData ? "data" : level.ToString(CultureInfo.InvariantCulture)).Append('/').Append(nStr);
        if (width != fullWidth)
        {
            sb.Append(".p/").Append(width.ToString(CultureInfo.InvariantCulture));
        }

        return string.Equals(sb.ToString(), rest, StringComparison.Ordinal);
    }

    private static bool TryParseSmall(string s, out int value)
    {
        value = 0;
        return s.Length is > 0 and <= 9 && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsHostName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(c is >= 'a' and <= 'z' || c is >= '0' and <= '9' || c == '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static ProxyPathStatus Bad(string message, out string? error)
    {
        error = message;
        return ProxyPathStatus.BadRequest;
    }

    private static ProxyPathStatus NotFound(string message, out string? error)
    {
        error = message;
        return ProxyPathStatus.NotFound;
    }
}
