namespace ModMesh.Protocol.Tests;

public class ModulePatternSetTests
{
    [Theory]
    [InlineData("", "rsc.io/quote", false)]
    [InlineData("/", "rsc.io/quote", false)]
    [InlineData("*/quote", "rsc.io/quote", true)]
    [InlineData("*/quo", "rsc.io/quote", false)]
    [InlineData("*/quo??", "rsc.io/quote", true)]
    [InlineData("*/quo*", "rsc.io/quote", true)]
    [InlineData("*quo*", "rsc.io/quote", false)]
    [InlineData("rsc.io", "rsc.io/quote", true)]
    [InlineData("*.io", "rsc.io/quote", true)]
    [InlineData("rsc.io/", "rsc.io/quote", true)]
    [InlineData("rsc", "rsc.io/quote", false)]
    [InlineData("rsc*", "rsc.io/quote", true)]
    [InlineData("rsc.io", "rsc.io/quote/v3", true)]
    [InlineData("*/quote", "rsc.io/quote/v3", true)]
    [InlineData("*/quote/", "rsc.io/quote/v3", true)]
    [InlineData("*/quote/*", "rsc.io/quote/v3", true)]
    [InlineData("*/quote/*/", "rsc.io/quote/v3", true)]
    [InlineData("*/v3", "rsc.io/quote/v3", false)]
    [InlineData("*/*/v3", "rsc.io/quote/v3", true)]
    [InlineData("*/*/*", "rsc.io/quote/v3", true)]
    [InlineData("*/*/*/", "rsc.io/quote/v3", true)]
    [InlineData("*/*/*", "rsc.io/quote", false)]
    [InlineData("*/*/*/", "rsc.io/quote", false)]
    [InlineData("*/*/*,,", "rsc.io/quote", false)]
    [InlineData("*/*/*,,*/quote", "rsc.io/quote", true)]
    [InlineData(",,*/quote", "rsc.io/quote", true)]
    [InlineData("*.corp.example.com,rsc.io/private", "git.corp.example.com/team/repo", true)]
    [InlineData("*.corp.example.com,rsc.io/private", "corp.example.com/team/repo", false)]
    [InlineData("*.corp.example.com,rsc.io/private", "rsc.io/private/v2", true)]
    [InlineData("*.corp.example.com,rsc.io/private", "rsc.io/privateer", false)]
    [InlineData("github.com/[a-c]cme/*", "github.com/acme/x/y", true)]
    [InlineData("github.com/[^a-c]cme/*", "github.com/acme/x", false)]
    [InlineData("github.com/[^a-c]cme/*", "github.com/zcme/x", true)]
    [InlineData("github.com/ac\\me", "github.com/acme", true)]
    [InlineData("github.com/[", "github.com/acme", false)]
    [InlineData("github.com/[]", "github.com/acme", false)]
    [InlineData("github.com/ac\\", "github.com/ac", false)]
    [InlineData("[z-a]*", "rsc.io", false)]
    public void Matches_GoMatchPrefixPatternsVector_MatchesGo(string patterns, string target, bool expected) =>
        Assert.Equal(expected, ModulePatternSet.Parse(patterns).Matches(target));

    [Fact]
    public void Parse_EmptyElements_IgnoredAndPatternsKeptAsGiven() =>
        Assert.Equal(["*.corp.example.com", "rsc.io/private/"], ModulePatternSet.Parse(",*.corp.example.com,,rsc.io/private/,").Patterns);

    [Fact]
    public void Empty_MatchesNothing()
    {
        Assert.Empty(ModulePatternSet.Empty.Patterns);
        Assert.True(ModulePatternSet.Empty.IsEmpty);
        Assert.False(ModulePatternSet.Empty.Matches("rsc.io/quote"));
    }

    [Theory]
    [InlineData("example.com/priv", "example.com/Priv/x")]
    [InlineData("example.com/Priv", "example.com/priv/x")]
    [InlineData("*.Corp.example", "git.corp.EXAMPLE/x")]
    public void Matches_IgnoringCase_MatchesWhateverTheLetterCase(string patterns, string modulePath)
    {
        Assert.True(ModulePatternSet.Parse(patterns, ignoreCase: true).Matches(modulePath));
        Assert.False(ModulePatternSet.Parse(patterns).Matches(modulePath)); // go's own rule is case-sensitive
    }
}

public class GlobPatternTests
{
    // Go's path.Match semantics (cases in the spirit of path/match_test.go).
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "abc", true)]
    [InlineData("a*", "ab/c", false)]
    [InlineData("a*/b", "abc/b", true)]
    [InlineData("a*/b", "a/c/b", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzx", true)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzy", false)]
    [InlineData("ab[c]", "abc", true)]
    [InlineData("ab[b-d]", "abc", true)]
    [InlineData("ab[e-g]", "abc", false)]
    [InlineData("ab[^c]", "abc", false)]
    [InlineData("ab[^b-d]", "abc", false)]
    [InlineData("ab[^e-g]", "abc", true)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "ab", false)]
    [InlineData("a?b", "a☺b", true)]
    [InlineData("a[^a]b", "a☺b", true)]
    [InlineData("a???b", "a☺b", false)]
    [InlineData("[a-ζ]*", "α", true)]
    [InlineData("*[a-ζ]", "A", false)]
    [InlineData("a?b", "a/b", false)]
    [InlineData("a*b", "a/b", false)]
    [InlineData("[\\]a]", "]", true)]
    [InlineData("[\\-]", "-", true)]
    [InlineData("[x\\-]", "x", true)]
    [InlineData("[x\\-]", "-", true)]
    [InlineData("[x\\-]", "z", false)]
    [InlineData("[\\-x]", "x", true)]
    [InlineData("[\\-x]", "a", false)]
    [InlineData("[]a]", "]", false)]
    [InlineData("[-]", "-", false)]
    [InlineData("[x-]", "x", false)]
    [InlineData("[-x]", "x", false)]
    [InlineData("\\", "a", false)]
    [InlineData("[a-b-c]", "a", false)]
    [InlineData("[", "a", false)]
    [InlineData("[^", "a", false)]
    [InlineData("[^bc", "a", false)]
    [InlineData("a[", "a", false)]
    [InlineData("a[", "ab", false)]
    [InlineData("a[", "x", false)]
    [InlineData("a/b[", "x", false)]
    [InlineData("*x", "xxx", true)]
    public void IsMatch_GoPathMatchCase_MatchesGo(string pattern, string name, bool expected) =>
        Assert.Equal(expected, GlobPattern.IsMatch(pattern, name));
}
