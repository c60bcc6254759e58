namespace ModMesh.Protocol.Tests;

public class PseudoVersionTests
{
    private static readonly DateTimeOffset GoReferenceTime = new(2006, 1, 2, 15, 4, 5, TimeSpan.Zero);

    // (base the pseudo-version was derived from, pseudo-version), re-typed from x/mod's pseudo-version table.
    public static TheoryData<string, string> PseudoCases => new()
    {
        { "", "v0.0.0-20060102150405-hash" },
        { "", "v1.0.0-20060102150405-hash" },
        { "", "v2.0.0-20060102150405-hash" },
        { "v0.0.0", "v0.0.1-0.20060102150405-hash" },
        { "v1.2.3", "v1.2.4-0.20060102150405-hash" },
        { "v1.2.99999999999999999", "v1.2.100000000000000000-0.20060102150405-hash" },
        { "v1.2.3-pre", "v1.2.3-pre.0.20060102150405-hash" },
        { "v1.3.0-pre", "v1.3.0-pre.0.20060102150405-hash" },
        { "v0.0.0--", "v0.0.0--.0.20060102150405-hash" },
        { "v1.0.0+metadata", "v1.0.1-0.20060102150405-hash+metadata" },
        { "v2.0.0+incompatible", "v2.0.1-0.20060102150405-hash+incompatible" },
        { "v2.3.0-pre+incompatible", "v2.3.0-pre.0.20060102150405-hash+incompatible" },
    };

    [Theory]
    [MemberData(nameof(PseudoCases))]
    public void IsPseudoVersion_GoVector_PseudoTrueBaseFalse(string older, string pseudo)
    {
        Assert.True(PseudoVersion.IsPseudoVersion(pseudo));
        Assert.False(PseudoVersion.IsPseudoVersion(older));
    }

    [Theory]
    [MemberData(nameof(PseudoCases))]
    public void TryGetTime_GoVector_ReturnsEmbeddedUtcTime(string older, string pseudo)
    {
        Assert.True(PseudoVersion.TryGetTime(pseudo, out var time));
        Assert.Equal(GoReferenceTime, time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
        Assert.False(PseudoVersion.TryGetTime(older, out _));
    }

    [Theory]
    [MemberData(nameof(PseudoCases))]
    public void TryGetRevision_GoVector_ReturnsRevision(string older, string pseudo)
    {
        _ = older;
        Assert.True(PseudoVersion.TryGetRevision(pseudo, out var rev));
        Assert.Equal("hash", rev);
    }

    [Theory]
    [InlineData("v0.0.0-20191109021931-daa7c04131f5", true)]
    [InlineData("v1.5.3-pre1.0.20191109021931-daa7c04131f5", true)]
    [InlineData("v0.0.0", false)]
    [InlineData("---", false)]
    [InlineData("v0.0.0-", false)]
    [InlineData("v1.2.3-pre", false)]
    [InlineData("v0.0.0-2019110902193-daa7c04131f5", false)] // 13 digits
    [InlineData("v0.0.0-201911090219311-daa7c04131f5", false)] // 15 digits
    [InlineData("v1.2.3-20191109021931-daa7c04131f5", false)] // form 1 needs vX.0.0
    [InlineData("v1.2.3-1.20191109021931-daa7c04131f5", false)] // form 3 needs "-0."
    [InlineData("v0.0.0-20191109021931-daa7c04131f5\n", false)]
    [InlineData("v0.0.0-20191109021931-daa7c04131f5+a..b", false)]
    [InlineData("master", false)]
    public void IsPseudoVersion_Input_Expected(string version, bool expected) =>
        Assert.Equal(expected, PseudoVersion.IsPseudoVersion(version));

    [Fact]
    public void TryGetTime_RealPseudoVersion_ParsesTimestamp()
    {
        Assert.True(PseudoVersion.TryGetTime("v0.0.0-20191109021931-daa7c04131f5", out var time));
        Assert.Equal(new DateTimeOffset(2019, 11, 9, 2, 19, 31, TimeSpan.Zero), time);
    }

    [Theory]
    [InlineData("v0.0.0-20061302150405-hash")] // month 13
    [InlineData("v0.0.0-20060132150405-hash")] // day 32
    [InlineData("v0.0.0-20060102250405-hash")] // hour 25
    public void TryGetTime_ImpossibleDate_False(string version)
    {
        Assert.True(PseudoVersion.IsPseudoVersion(version));
        Assert.False(PseudoVersion.TryGetTime(version, out _));
    }
}
