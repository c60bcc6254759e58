namespace ModMesh.Protocol;

/// <summary>Semantic versions as the go command uses them (golang.org/x/mod/semver): "v" prefix, shorthands v1 / v1.2.</summary>
/// <remarks>
/// Differs from x/mod/semver.Canonical in one respect, as agreed for ModMesh: <see cref="Canonical"/> keeps a
/// "+incompatible" build suffix (like module.CanonicalVersion), because it is part of a module version's identity.
/// </remarks>
public static class Semver
{
    /// <summary>The build suffix the go command gives v2+ versions of modules without a go.mod major suffix.</summary>
    public const string Incompatible = "+incompatible";

    /// <summary>True for a valid semantic version (shorthands "v1", "v1.2" included).</summary>
    public static bool IsValid(string version) => TryParse(version, out _);

    /// <summary>Canonical form ("v1.2" → "v1.2.0", build metadata dropped but "+incompatible" kept), or "" when invalid.</summary>
    public static string Canonical(string version)
    {
        if (!TryParse(version, out var p))
        {
            return "";
        }

        var core = version.Substring(0, version.Length - p.Build.Length) + p.Short;
        return p.Build == Incompatible ? core + Incompatible : core;
    }

    /// <summary>True when <paramref name="version"/> is valid and equal to its canonical form (+incompatible allowed).</summary>
    public static bool IsCanonical(string version) => IsValid(version) && string.Equals(Canonical(version), version, StringComparison.Ordinal);

    /// <summary>Semver precedence; an invalid version is lower than every valid one and equal to other invalid ones.</summary>
    public static int Compare(string v, string w)
    {
        var okV = TryParse(v, out var pv);
        var okW = TryParse(w, out var pw);
        if (!okV && !okW)
        {
            return 0;
        }

        if (!okV)
        {
            return -1;
        }

        if (!okW)
        {
            return 1;
        }

        var c = CompareNumber(pv.Major, pw.Major);
        if (c != 0)
        {
            return c;
        }

        c = CompareNumber(pv.Minor, pw.Minor);
        if (c != 0)
        {
            return c;
        }

        c = CompareNumber(pv.Patch, pw.Patch);
        return c != 0 ? c : ComparePrerelease(pv.Prerelease, pw.Prerelease);
    }

    /// <summary>"v2" for "v2.1.0", "" when invalid.</summary>
    public static string Major(string version) => TryParse(version, out var p) ? "v" + p.Major : "";

    /// <summary>"v2.1" for "v2.1.0" (and "v2.0" for "v2"), "" when invalid.</summary>
    public static string MajorMinor(string version) => TryParse(version, out var p) ? "v" + p.Major + "." + p.Minor : "";

    /// <summary>"-rc.1" for "v1.0.0-rc.1", "" when none.</summary>
    public static string Prerelease(string version) => TryParse(version, out var p) ? p.Prerelease : "";

    /// <summary>"+incompatible" etc., "" when none.</summary>
    public static string Build(string version) => TryParse(version, out var p) ? p.Build : "";

    private readonly record struct Parsed(string Major, string Minor, string Patch, string Short, string Prerelease, string Build);

    private static bool TryParse(string? v, out Parsed parsed)
    {
        parsed = default;
        if (string.IsNullOrEmpty(v) || v[0] != 'v')
        {
            return false;
        }

        var pos = 1;
        if (!TryNumber(v, ref pos, out var major))
        {
            return false;
        }

        if (pos == v.Length)
        {
            parsed = new Parsed(major, "0", "0", ".0.0", "", "");
            return true;
        }

        if (v[pos] != '.')
        {
            return false;
        }

        pos++;
        if (!TryNumber(v, ref pos, out var minor))
        {
            return false;
        }

        if (pos == v.Length)
        {
            parsed = new Parsed(major, minor, "0", ".0", "", "");
            return true;
        }

        if (v[pos] != '.')
        {
            return false;
        }

        pos++;
        if (!TryNumber(v, ref pos, out var patch))
        {
            return false;
        }

        var prerelease = "";
        if (pos < v.Length && v[pos] == '-')
        {
            var start = pos;
            var end = v.IndexOf('+', pos);
            if (end < 0)
            {
                end = v.Length;
            }

            if (!ValidIdentifiers(v, start + 1, end, prereleaseRules: true))
            {
                return false;
            }

            prerelease = v.Substring(start, end - start);
            pos = end;
        }

        var build = "";
        if (pos < v.Length && v[pos] == '+')
        {
            if (!ValidIdentifiers(v, pos + 1, v.Length, prereleaseRules: false))
            {
                return false;
            }

            build = v.Substring(pos);
            pos = v.Length;
        }

        if (pos != v.Length)
        {
            return false;
        }

        parsed = new Parsed(major, minor, patch, "", prerelease, build);
        return true;
    }

    // A decimal number without leading zeros (any length: Go compares them as strings of digits).
    private static bool TryNumber(string v, ref int pos, out string number)
    {
        number = "";
        var start = pos;
        while (pos < v.Length && IsDigit(v[pos]))
        {
            pos++;
        }

        if (pos == start || (v[start] == '0' && pos - start > 1))
        {
            return false;
        }

        number = v.Substring(start, pos - start);
        return true;
    }

    // Dot-separated, non-empty identifiers of [0-9A-Za-z-]; prerelease numeric identifiers have no leading zeros.
    private static bool ValidIdentifiers(string v, int start, int end, bool prereleaseRules)
    {
        var identStart = start;
        for (var i = start; i <= end; i++)
        {
            if (i == end || v[i] == '.')
            {
                if (i == identStart)
                {
                    return false;
                }

                if (prereleaseRules && IsNumeric(v, identStart, i) && i - identStart > 1 && v[identStart] == '0')
                {
                    return false;
                }

                identStart = i + 1;
                continue;
            }

            if (!IsIdentChar(v[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIdentChar(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-';

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsNumeric(string s, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (!IsDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static int CompareNumber(string x, string y)
    {
        if (x.Length != y.Length)
        {
            return x.Length < y.Length ? -1 : 1;
        }

        return Math.Sign(string.CompareOrdinal(x, y));
    }

    private static int ComparePrerelease(string x, string y)
    {
        if (string.Equals(x, y, StringComparison.Ordinal))
        {
            return 0;
        }

        // A version without a prerelease has higher precedence than one with.
        if (x.Length == 0)
        {
            return 1;
        }

        if (y.Length == 0)
        {
            return -1;
        }

        var xs = x.Substring(1).Split('.');
        var ys = y.Substring(1).Split('.');
        for (var i = 0; i < xs.Length && i < ys.Length; i++)
        {
            var dx = xs[i];
            var dy = ys[i];
            if (string.Equals(dx, dy, StringComparison.Ordinal))
            {
                continue;
            }

            var nx = IsNumeric(dx, 0, dx.Length);
            var ny = IsNumeric(dy, 0, dy.Length);
            if (nx != ny)
            {
                // Numeric identifiers sort before alphanumeric ones.
                return nx ? -1 : 1;
            }

            return nx ? CompareNumber(dx, dy) : Math.Sign(string.CompareOrdinal(dx, dy));
        }

        // All shared identifiers are equal: the shorter list sorts first.
        return xs.Length.CompareTo(ys.Length) switch { < 0 => -1, > 0 => 1, _ => 0 };
    }
}
