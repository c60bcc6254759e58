using FsCheck;
using FsCheck.Fluent;

namespace ModMesh.Protocol.Tests.Properties;

/// <summary>Generators of realistic module paths and versions (upper case included).</summary>
internal static class Generators
{
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Digits = "0123456789";

    private static Gen<string> StringOf(string alphabet, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Gen.Elements(alphabet.ToCharArray()), n)).Select(cs => new string(cs));

    private static Gen<string> Domain =>
        from labels in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(StringOf(Lower + Digits, 1, 8), n))
        from tld in Gen.Elements("com", "org", "io", "in", "dev", "net")
        select string.Join('.', labels) + "." + tld;

    private static Gen<string> Element => StringOf(Lower + Upper + Digits + "-._~", 1, 12);

    /// <summary>Module paths that pass <see cref="ModulePath.IsValid"/>.</summary>
    public static Arbitrary<string> ModulePaths =>
        (from domain in Domain
         from elements in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Element, n))
         from major in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Choose(2, 30).Select(m => "/v" + m)))
         select string.Join('/', new[] { domain }.Concat(elements)) + major)
        .Where(p => ModulePath.IsValid(p, out _))
        .ToArbitrary();

    private static Gen<string> Number => Gen.Frequency(
        (6, Gen.Choose(0, 12).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Choose(100, 100000).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static Gen<string> Identifier => Gen.Frequency(
        (2, Number),
        (3, StringOf(Lower + Upper + "-", 1, 5)),
        (1, StringOf(Lower + Digits, 1, 4).Where(s => !s.All(char.IsAsciiDigit) || s.Length == 1 || s[0] != '0')));

    private static Gen<string> Prerelease =>
        Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Identifier, n)).Select(ids => "-" + string.Join('.', ids));

    /// <summary>Canonical semantic versions, some with pre-releases (mixed case) and "+incompatible".</summary>
    public static Gen<string> CanonicalVersion =>
        from major in Number
        from minor in Number
        from patch in Number
        from pre in Gen.Frequency((2, Gen.Constant("")), (2, Prerelease))
        from build in Gen.Frequency((5, Gen.Constant("")), (1, Gen.Constant("+incompatible")))
        select $"v{major}.{minor}.{patch}{pre}{build}";

    /// <summary>Any valid semantic versions, shorthands and other build metadata included.</summary>
    public static Arbitrary<string> ValidVersions =>
        Gen.Frequency(
            (6, CanonicalVersion),
            (1, Number.Select(m => "v" + m)),
            (1, Gen.Zip(Number, Number).Select(t => $"v{t.Item1}.{t.Item2}")),
            (1, CanonicalVersion.Select(v => v.Replace("+incompatible", "", StringComparison.Ordinal) + "+build.1")))
        .ToArbitrary();

    /// <summary>Pseudo-versions of the three forms with random times.</summary>
    public static Gen<string> PseudoVersions =>
        from year in Gen.Choose(2000, 2030)
        from month in Gen.Choose(1, 12)
        from day in Gen.Choose(1, 28)
        from seconds in Gen.Choose(0, 86399)
        from form in Gen.Choose(1, 3)
        from major in Gen.Choose(0, 3)
        from minor in Gen.Choose(0, 3)
        from patch in Gen.Choose(1, 3)
        let ts = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seconds).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture)
        select form switch
        {
            1 => $"v{major}.0.0-{ts}-abcdef123456",
            2 => $"v{major}.{minor}.{patch}-rc.1.0.{ts}-abcdef123456",
            _ => $"v{major}.{minor}.{patch}-0.{ts}-abcdef123456",
        };

    /// <summary>Lists mixing releases, pre-releases, pseudo-versions and junk.</summary>
    public static Arbitrary<string[]> VersionLists =>
        Gen.ArrayOf(Gen.Frequency(
                (4, CanonicalVersion),
                (2, PseudoVersions),
                (1, Gen.Elements("master", "", "v1.2", "v1.0.0+meta", "latest", "v01.0.0"))))
            .ToArbitrary();
}
