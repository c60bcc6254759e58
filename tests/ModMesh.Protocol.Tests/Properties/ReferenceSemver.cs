using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace ModMesh.Protocol.Tests.Properties;

/// <summary>
/// An independent, deliberately plain model of semver precedence and of the @latest rule, used as the oracle for
/// property tests: numbers as <see cref="BigInteger"/>, identifiers compared per semver.org §11.
/// </summary>
internal static partial class ReferenceSemver
{
    internal sealed record Parsed(BigInteger Major, BigInteger Minor, BigInteger Patch, string[] Pre, string Build, bool Full);

    [GeneratedRegex(@"^v(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)?)?\z")]
    private static partial Regex Shape();

    [GeneratedRegex(@"^v[0-9]+\.(?:0\.0-|[0-9]+\.[0-9]+-(?:[^+]*\.)?0\.)([0-9]{14})-[A-Za-z0-9]+(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\z")]
    private static partial Regex Pseudo();

    public static Parsed? Parse(string v)
    {
        var m = Shape().Match(v);
        if (!m.Success)
        {
            return null;
        }

        var pre = m.Groups[4].Success ? m.Groups[4].Value.Split('.') : [];
        if (pre.Any(id => id.Length > 1 && id[0] == '0' && id.All(char.IsAsciiDigit)))
        {
            return null;
        }

        return new Parsed(
            BigInteger.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            m.Groups[2].Success ? BigInteger.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0,
            m.Groups[3].Success ? BigInteger.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 0,
            pre,
            m.Groups[5].Success ? "+" + m.Groups[5].Value : "",
            m.Groups[3].Success);
    }

    public static int Compare(string a, string b)
    {
        var x = Parse(a);
        var y = Parse(b);
        if (x is null || y is null)
        {
            return (x is null ? 0 : 1) - (y is null ? 0 : 1);
        }

        var c = x.Major.CompareTo(y.Major);
        if (c == 0)
        {
            c = x.Minor.CompareTo(y.Minor);
        }

        if (c == 0)
        {
            c = x.Patch.CompareTo(y.Patch);
        }

        if (c == 0)
        {
            c = ComparePre(x.Pre, y.Pre);
        }

        return Math.Sign(c);
    }

    private static int ComparePre(string[] x, string[] y)
    {
        if (x.Length == 0 || y.Length == 0)
        {
            return (x.Length == 0 ? 1 : 0) - (y.Length == 0 ? 1 : 0);
        }

        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var xn = x[i].All(char.IsAsciiDigit);
            var yn = y[i].All(char.IsAsciiDigit);
            int c;
            if (xn && yn)
            {
                c = BigInteger.Parse(x[i], CultureInfo.InvariantCulture).CompareTo(BigInteger.Parse(y[i], CultureInfo.InvariantCulture));
            }
            else if (xn != yn)
            {
                c = xn ? -1 : 1;
            }
            else
            {
                c = string.CompareOrdinal(x[i], y[i]);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    public static bool IsCanonical(string v) => Parse(v) is { Full: true } p && p.Build is "" or "+incompatible";

    public static DateTime? PseudoTime(string v)
    {
        if (Parse(v) is null)
        {
            return null;
        }

        var m = Pseudo().Match(v);
        if (!m.Success || v.Count(c => c == '-') < 2)
        {
            return null;
        }

        return DateTime.TryParseExact(m.Groups[1].Value, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
    }

    public static bool IsPseudo(string v) => Parse(v) is not null && Pseudo().IsMatch(v) && v.Count(c => c == '-') >= 2;

    /// <summary>Highest by precedence; ties: no build metadata first, then ordinal order.</summary>
    private static string? Highest(IEnumerable<string> vs) =>
        vs.OrderByDescending(v => v, Comparer<string>.Create(Compare))
          .ThenBy(v => Parse(v)!.Build.Length == 0 ? 0 : 1)
          .ThenBy(v => v, StringComparer.Ordinal)
          .FirstOrDefault();

    public static string? Latest(IEnumerable<string> versions)
    {
        var canonical = versions.Where(IsCanonical).ToList();
        var releases = canonical.Where(v => !IsPseudo(v) && Parse(v)!.Pre.Length == 0);
        var prereleases = canonical.Where(v => !IsPseudo(v) && Parse(v)!.Pre.Length > 0);
        var pseudos = canonical.Where(v => PseudoTime(v) is not null).ToList();
        var newest = pseudos.Count == 0 ? (DateTime?)null : pseudos.Max(v => PseudoTime(v)!.Value);
        return Highest(releases) ?? Highest(prereleases) ?? Highest(pseudos.Where(v => PseudoTime(v) == newest));
    }

    public static List<string> ForList(IEnumerable<string> versions) =>
        versions.Where(v => IsCanonical(v) && !IsPseudo(v))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(v => v, Comparer<string>.Create(Compare))
            .ThenBy(v => v, StringComparer.Ordinal)
            .ToList();
}
