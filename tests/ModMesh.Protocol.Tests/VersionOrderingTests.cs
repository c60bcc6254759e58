namespace ModMesh.Protocol.Tests;

public class VersionOrderingTests
{
    [Fact]
    public void ForList_MixedInput_KeepsCanonicalNonPseudoSortedAndDeduplicated()
    {
        var input = new[]
        {
            "v1.10.0", "v1.2.0", "v1.2.0", "v1.2", "master", "", "v1.0.0-rc.1", "v0.0.0-20191109021931-daa7c04131f5",
            "v1.2.1-0.20191109021931-daa7c04131f5", "v2.0.0+incompatible", "v1.9.0+meta", "v1.0.0", "v1.0.0-rc.10", "v1.0.0-rc.2",
        };

        var list = VersionOrdering.ForList(input);

        Assert.Equal(["v1.0.0-rc.1", "v1.0.0-rc.2", "v1.0.0-rc.10", "v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0+incompatible"], list);
    }

    [Fact]
    public void ForList_Empty_Empty() => Assert.Empty(VersionOrdering.ForList([]));

    [Fact]
    public void ForList_EqualPrecedence_OrdinalTieBreak() =>
        Assert.Equal(["v2.0.0", "v2.0.0+incompatible"], VersionOrdering.ForList(["v2.0.0+incompatible", "v2.0.0"]));

    [Theory]
    [InlineData(new[] { "v1.0.0", "v1.2.0", "v1.10.0", "v1.11.0-rc.1" }, "v1.10.0")]
    [InlineData(new[] { "v1.0.0-rc.1", "v1.0.0-rc.2", "v0.0.0-20300101000000-abcdefabcdef" }, "v1.0.0-rc.2")]
    [InlineData(new[] { "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa", "v1.0.0-20190101000000-bbbbbbbbbbbb" }, "v0.0.0-20200101000000-aaaaaaaaaaaa")]
    [InlineData(new[] { "v1.5.0", "v2.0.0+incompatible", "v2.1.0-pre+incompatible" }, "v2.0.0+incompatible")]
    [InlineData(new[] { "v2.0.0+incompatible", "v2.0.0" }, "v2.0.0")]
    [InlineData(new[] { "v1.2", "master", "" }, null)]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "v0.1.0", "v1.0.0-20200101000000-aaaaaaaaaaaa" }, "v0.1.0")]
    public void SelectLatest_Input_Expected(string[] versions, string? expected) =>
        Assert.Equal(expected, VersionOrdering.SelectLatest(versions));

    [Fact]
    public void SelectLatest_PseudoVersionsWithSameTime_HigherSemverWins() =>
        Assert.Equal(
            "v1.2.4-0.20200101000000-aaaaaaaaaaaa",
            VersionOrdering.SelectLatest(["v0.0.0-20200101000000-aaaaaaaaaaaa", "v1.2.4-0.20200101000000-aaaaaaaaaaaa"]));

    [Fact]
    public void SelectLatest_PseudoVersionNewerThanPrerelease_PrereleaseStillWins() =>
        Assert.Equal("v0.1.0-alpha", VersionOrdering.SelectLatest(["v0.1.0-alpha", "v0.1.1-0.20300101000000-aaaaaaaaaaaa"]));
}
