namespace ModMesh.Protocol;

/// <summary>Module path rules of go.dev/ref/mod (golang.org/x/mod/module.CheckPath and friends).</summary>
public static class ModulePath
{
    // Names Windows reserves for devices; a path element whose part before the first dot is one of them is invalid.
    private static readonly string[] WindowsReservedNames =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    private const string GopkgInPrefix = "gopkg.in/";
    private const string UnstableSuffix = "-unstable";

    /// <summary>True when <paramref name="path"/> is a valid module path; otherwise <paramref name="error"/> says why.</summary>
    public static bool IsValid(string path, out string? error)
    {
        error = CheckPath(path);
        if (error is not null)
        {
            error = $"malformed module path \"{path}\": {error}";
            return false;
        }

        return true;
    }

    /// <summary>Splits "example.com/m/v2" into ("example.com/m", "/v2"), "gopkg.in/yaml.v3" into ("gopkg.in/yaml", ".v3"); false when malformed.</summary>
    /// <remarks>As in Go, <paramref name="prefix"/> is the whole path and <paramref name="pathMajor"/> "" when there is no major suffix or it is malformed.</remarks>
    public static bool TrySplitPathVersion(string path, out string prefix, out string pathMajor)
    {
        if (path.StartsWith(GopkgInPrefix, StringComparison.Ordinal))
        {
            return TrySplitGopkgIn(path, out prefix, out pathMajor);
        }

        prefix = path;
        pathMajor = "";
        var i = path.Length;
        var sawDot = false;
        while (i > 0 && (IsDigit(path[i - 1]) || path[i - 1] == '.'))
        {
            sawDot |= path[i - 1] == '.';
            i--;
        }

        if (i <= 1 || i == path.Length || path[i - 1] != 'v' || path[i - 2] != '/')
        {
            return true;
        }

        var major = path.Substring(i - 2);
        if (sawDot || major.Length <= 2 || major[2] == '0' || major == "/v1")
        {
            return false;
        }

        prefix = path.Substring(0, i - 2);
        pathMajor = major;
        return true;
    }

    /// <summary>True when <paramref name="version"/> (canonical semver) may belong to a module whose path ends in <paramref name="pathMajor"/> ("" / "/v2" / ".v1"); +incompatible rules included.</summary>
    /// <remarks>
    /// module.CheckPathMajor, plus the go command's rule for "+incompatible": allowed only when there is no path
    /// major suffix and the major version is v2 or higher (so "v2.0.0+incompatible" does not match "/v2").
    /// </remarks>
    public static bool VersionMatchesPathMajor(string version, string pathMajor) => CheckPathMajor(version, pathMajor) is null;

    /// <summary>Checks path and version together (module.Check): path valid, version canonical and compatible with the path's major suffix.</summary>
    public static bool IsValidModuleVersion(string path, string version, out string? error)
    {
        if (!IsValid(path, out error))
        {
            return false;
        }

        if (!Semver.IsValid(version))
        {
            error = $"{path}: invalid version \"{version}\": not a semantic version";
            return false;
        }

        if (!Semver.IsCanonical(version))
        {
            error = $"{path}: invalid version \"{version}\": not canonical (should be {Semver.Canonical(version)})";
            return false;
        }

        TrySplitPathVersion(path, out _, out var pathMajor);
        var majorError = CheckPathMajor(version, pathMajor);
        if (majorError is not null)
        {
            error = $"{path}: invalid version \"{version}\": {majorError}";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Returns null when <paramref name="version"/> fits <paramref name="pathMajor"/>, else why not (module.CheckPathMajor).</summary>
    private static string? CheckPathMajor(string version, string pathMajor)
    {
        if (pathMajor.StartsWith(".v", StringComparison.Ordinal) && pathMajor.EndsWith(UnstableSuffix, StringComparison.Ordinal))
        {
            pathMajor = pathMajor.Substring(0, pathMajor.Length - UnstableSuffix.Length);
        }

        // Early vgo wrote v0 pseudo-versions for gopkg.in .v1 modules; Go still accepts them.
        if (version.StartsWith("v0.0.0-", StringComparison.Ordinal) && pathMajor == ".v1")
        {
            return null;
        }

        var major = Semver.Major(version);
        if (Semver.Build(version) == Semver.Incompatible)
        {
            // Stricter than module.CheckPathMajor, like the go command's repository code: "+incompatible" only
            // marks a v2+ version of a module whose path has no major suffix (and so no go.mod claiming it).
            if (pathMajor.Length != 0)
            {
                return "+incompatible suffix not allowed: module path includes a major version suffix";
            }

            return major is "v0" or "v1"
                ? $"+incompatible suffix not allowed: major version {major} is compatible"
                : null;
        }

        string want;
        if (pathMajor.Length == 0)
        {
            if (major is "v0" or "v1")
            {
                return null;
            }

            want = "v0 or v1";
        }
        else if (pathMajor[0] is '/' or '.')
        {
            if (major == pathMajor.Substring(1))
            {
                return null;
            }

            want = pathMajor.Substring(1);
        }
        else
        {
            want = pathMajor;
        }

        return $"should be {want}, not {(major.Length == 0 ? "\"\"" : major)}";
    }

    private static bool TrySplitGopkgIn(string path, out string prefix, out string pathMajor)
    {
        prefix = path;
        pathMajor = "";
        var i = path.Length;
        if (path.EndsWith(UnstableSuffix, StringComparison.Ordinal))
        {
            i -= UnstableSuffix.Length;
        }

        while (i > 0 && IsDigit(path[i - 1]))
        {
            i--;
        }

        if (i <= 1 || path[i - 1] != 'v' || path[i - 2] != '.')
        {
            return false;
        }

        var major = path.Substring(i - 2);
        if (major.Length <= 2 || (major[2] == '0' && major != ".v0"))
        {
            return false;
        }

        prefix = path.Substring(0, i - 2);
        pathMajor = major;
        return true;
    }

    /// <summary>module.CheckPath without the "malformed module path" wrapper: null when valid.</summary>
    private static string? CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "empty string";
        }

        var elementError = CheckElements(path, PathKind.Module);
        if (elementError is not null)
        {
            return elementError;
        }

        var slash = path.IndexOf('/');
        var first = slash < 0 ? path : path.Substring(0, slash);
        if (first.Length == 0)
        {
            return "leading slash";
        }

        if (!first.Contains('.'))
        {
            return "missing dot in first path element";
        }

        if (first[0] == '-')
        {
            return "leading dash in first path element";
        }

        foreach (var c in first)
        {
            if (!(c is '-' or '.' || IsDigit(c) || c is >= 'a' and <= 'z'))
            {
                return $"invalid char '{c}' in first path element";
            }
        }

        return TrySplitPathVersion(path, out _, out _) ? null : "invalid version";
    }

    internal enum PathKind
    {
        Module,
        File,
    }

    /// <summary>Element rules shared by module paths and (for versions) file-name elements; null when valid.</summary>
    internal static string? CheckElements(string path, PathKind kind)
    {
        if (path.Length == 0)
        {
            return "empty string";
        }

        foreach (var c in path)
        {
            if (char.IsSurrogate(c))
            {
                // Lone surrogates are invalid UTF-8; paired ones are non-ASCII and fail the character rules anyway.
                if (!IsValidUtf16(path))
                {
                    return "invalid UTF-8";
                }

                break;
            }
        }

        if (path[0] == '-' && kind != PathKind.File)
        {
            return "leading dash";
        }

        if (path.Contains("//", StringComparison.Ordinal))
        {
            return "double slash";
        }

        if (path[^1] == '/')
        {
            return "trailing slash";
        }

        var start = 0;
        while (true)
        {
            var slash = path.IndexOf('/', start);
            var end = slash < 0 ? path.Length : slash;
            var error = CheckElement(path.Substring(start, end - start), kind);
            if (error is not null)
            {
                return error;
            }

            if (slash < 0)
            {
                return null;
            }

            start = slash + 1;
        }
    }

    /// <summary>module.checkElem: one path element (or a version string, with <see cref="PathKind.File"/>).</summary>
    internal static string? CheckElement(string elem, PathKind kind)
    {
        if (elem.Length == 0)
        {
            return "empty path element";
        }

        if (elem.AsSpan().TrimStart('.').IsEmpty)
        {
            return $"invalid path element \"{elem}\"";
        }

        if (elem[0] == '.' && kind == PathKind.Module)
        {
            return "leading dot in path element";
        }

        if (elem[^1] == '.')
        {
            return "trailing dot in path element";
        }

        for (var i = 0; i < elem.Length; i++)
        {
            var c = elem[i];
            var ok = kind == PathKind.Module ? IsModulePathChar(c) : IsFileNameChar(elem, i);
            if (!ok)
            {
                return $"invalid char '{c}'";
            }
        }

        var dot = elem.IndexOf('.');
        var shortName = dot < 0 ? elem : elem.Substring(0, dot);
        foreach (var bad in WindowsReservedNames)
        {
            if (string.Equals(bad, shortName, StringComparison.OrdinalIgnoreCase))
            {
                return $"\"{shortName}\" disallowed as path element component on Windows";
            }
        }

        if (kind == PathKind.File)
        {
            return null;
        }

        // "name~1"-style short names (Windows 8.3) are rejected.
        var tilde = shortName.LastIndexOf('~');
        if (tilde >= 0 && tilde < shortName.Length - 1)
        {
            var allDigits = true;
            for (var i = tilde + 1; i < shortName.Length; i++)
            {
                allDigits &= IsDigit(shortName[i]);
            }

            if (allDigits)
            {
                return "trailing tilde and digits in path element";
            }
        }

        return null;
    }

    private static bool IsModulePathChar(char c) =>
        c is '-' or '.' or '_' or '~' || IsDigit(c) || c is >= 'A' and <= 'Z' || c is >= 'a' and <= 'z';

    // module.fileNameOK: ASCII letters, digits and "!#$%&()+,-.=@[]^_{}~ ", or a Unicode letter.
    private static bool IsFileNameChar(string s, int i)
    {
        var c = s[i];
        if (c < 0x80)
        {
            return IsDigit(c) || c is >= 'A' and <= 'Z' || c is >= 'a' and <= 'z' || "!#$%&()+,-.=@[]^_{}~ ".Contains(c);
        }

        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            return char.IsLetter(s, i);
        }

        if (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1]))
        {
            return char.IsLetter(s, i - 1);
        }

        return char.IsLetter(c);
    }

    private static bool IsValidUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';
}
