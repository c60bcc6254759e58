namespace ModMesh.Protocol.Tests;

public class SemverTests
{
    // (input, canonical form or "" when invalid), re-typed from the cases x/mod/semver is tested with.
    public static TheoryData<string, string> CanonicalCases => new()
    {
        { "bad", "" },
        { "", "" },
        { "1.2.3", "" },
        { "v", "" },
        { "v01.2.3", "" },
        { "v1.02.3", "" },
        { "v1.2.03", "" },
        { "v1.2.3-01", "" },
        { "v1.2.3-", "" },
        { "v1.2.3-a..b", "" },
        { "v1.2.3+", "" },
        { "v1.2.3+a..b", "" },
        { "v1.2.3-a_b", "" },
        { "v1.2.3.4", "" },
        { "V1.2.3", "" },
        { "v1-alpha.beta.gamma", "" },
        { "v1-pre", "" },
        { "v1+meta", "" },
        { "v1-pre+meta", "" },
        { "v1.2-pre", "" },
        { "v1.2+meta", "" },
        { "v1.2-pre+meta", "" },
        { "v1.0.0-alpha", "v1.0.0-alpha" },
        { "v1.0.0-alpha.1", "v1.0.0-alpha.1" },
        { "v1.0.0-alpha.beta", "v1.0.0-alpha.beta" },
        { "v1.0.0-beta", "v1.0.0-beta" },
        { "v1.0.0-beta.2", "v1.0.0-beta.2" },
        { "v1.0.0-beta.11", "v1.0.0-beta.11" },
        { "v1.0.0-rc.1", "v1.0.0-rc.1" },
        { "v1", "v1.0.0" },
        { "v1.0", "v1.0.0" },
        { "v1.0.0", "v1.0.0" },
        { "v1.2", "v1.2.0" },
        { "v1.2.0", "v1.2.0" },
        { "v1.2.3-456", "v1.2.3-456" },
        { "v1.2.3-456.789", "v1.2.3-456.789" },
        { "v1.2.3-456-789", "v1.2.3-456-789" },
        { "v1.2.3-456a", "v1.2.3-456a" },
        { "v1.2.3-pre", "v1.2.3-pre" },
        { "v1.2.3-pre+meta", "v1.2.3-pre" },
        { "v1.2.3-pre.1", "v1.2.3-pre.1" },
        { "v1.2.3-zzz", "v1.2.3-zzz" },
        { "v1.2.3", "v1.2.3" },
        { "v1.2.3+meta", "v1.2.3" },
        { "v1.2.3+meta-pre", "v1.2.3" },
        { "v1.2.3+meta-pre.sha.256a", "v1.2.3" },
        { "v1.2.3-0a", "v1.2.3-0a" },
        { "v1.2.3+01", "v1.2.3" },
        { "v99999999999999999999.0.0", "v99999999999999999999.0.0" },
        // Agreed ModMesh rule: "+incompatible" is part of a module version and survives canonicalisation.
        { "v2.0.0+incompatible", "v2.0.0+incompatible" },
        { "v2.3.0-pre+incompatible", "v2.3.0-pre+incompatible" },
    };

    [Theory]
    [MemberData(nameof(CanonicalCases))]
    public void Canonical_Vector_MatchesGo(string input, string expected) => Assert.Equal(expected, Semver.Canonical(input));

    [Theory]
    [MemberData(nameof(CanonicalCases))]
    public void IsValid_Vector_TrueExactlyWhenCanonicalNonEmpty(string input, string expected) =>
        Assert.Equal(expected.Length > 0, Semver.IsValid(input));

    [Theory]
    [InlineData("v1.2.3", true)]
    [InlineData("v1.2.3-pre", true)]
    [InlineData("v2.0.0+incompatible", true)]
    [InlineData("v1.2", false)]
    [InlineData("v1", false)]
    [InlineData("v1.2.3+meta", false)]
    [InlineData("v1.2.3-pre+meta", false)]
    [InlineData("master", false)]
    [InlineData("", false)]
    public void IsCanonical_Input_Expected(string version, bool expected) => Assert.Equal(expected, Semver.IsCanonical(version));

    [Theory]
    [InlineData("v2.1.0", "v2")]
    [InlineData("v1", "v1")]
    [InlineData("v0.1", "v0")]
    [InlineData("v10.0.0-pre+meta", "v10")]
    [InlineData("bad", "")]
    public void Major_Input_Expected(string version, string expected) => Assert.Equal(expected, Semver.Major(version));

    [Theory]
    [InlineData("v1.0.0-rc.1", "-rc.1")]
    [InlineData("v1.2.3-pre+meta", "-pre")]
    [InlineData("v1.2.3", "")]
    [InlineData("v1.2", "")]
    [InlineData("v1.2-pre", "")]
    public void Prerelease_Input_Expected(string version, string expected) => Assert.Equal(expected, Semver.Prerelease(version));

    [Theory]
    [InlineData("v2.0.0+incompatible", "+incompatible")]
    [InlineData("v1.2.3-pre+meta.1", "+meta.1")]
    [InlineData("v1.2.3", "")]
    [InlineData("v1.2+meta", "")]
    public void Build_Input_Expected(string version, string expected) => Assert.Equal(expected, Semver.Build(version));

    [Theory]
    [InlineData("v2.1.0", "v2.1")]
    [InlineData("v2", "v2.0")]
    [InlineData("v2.1", "v2.1")]
    [InlineData("bad", "")]
    public void MajorMinor_Input_Expected(string version, string expected) => Assert.Equal(expected, Semver.MajorMinor(version));

    // Ascending precedence (x/mod/semver test order); entries on one line are equal.
    private static readonly string[][] Ascending =
    [
        ["bad", "", "v1-pre", "v1.2-pre"],
        ["v0.0.0-20060102150405-abcdef123456"],
        ["v0.0.0"],
        ["v0.0.1"],
        ["v0.1.0"],
        ["v1.0.0-alpha"],
        ["v1.0.0-alpha.1"],
        ["v1.0.0-alpha.beta"],
        ["v1.0.0-beta"],
        ["v1.0.0-beta.2"],
        ["v1.0.0-beta.11"],
        ["v1.0.0-rc.1"],
        ["v1", "v1.0", "v1.0.0", "v1.0.0+meta"],
        ["v1.2", "v1.2.0"],
        ["v1.2.3-456"],
        ["v1.2.3-456.789"],
        ["v1.2.3-456-789"],
        ["v1.2.3-456a"],
        ["v1.2.3-pre", "v1.2.3-pre+meta"],
        ["v1.2.3-pre.1"],
        ["v1.2.3-zzz"],
        ["v1.2.3", "v1.2.3+meta", "v1.2.3+meta-pre"],
        ["v1.10.0"],
        ["v2.0.0", "v2.0.0+incompatible"],
        ["v10.0.0"],
        ["v99999999999999999999.0.0"],
    ];

    public static TheoryData<string, string, int> ComparePairs()
    {
        var data = new TheoryData<string, string, int>();
        for (var i = 0; i < Ascending.Length; i++)
        {
            for (var j = 0; j < Ascending.Length; j++)
            {
                foreach (var v in Ascending[i])
                {
                    foreach (var w in Ascending[j])
                    {
                        data.Add(v, w, i.CompareTo(j));
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ComparePairs))]
    public void Compare_AllPairsOfOrderedTable_AgreesWithTableOrder(string v, string w, int expected) =>
        Assert.Equal(expected, Semver.Compare(v, w));
}
