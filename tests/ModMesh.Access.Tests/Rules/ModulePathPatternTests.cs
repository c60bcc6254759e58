namespace ModMesh.Access.Tests.Rules;

public class ModulePathPatternTests
{
    [Theory]
    // Exact: only itself.
    [InlineData("git.corp.example/frontend/module-a", "git.corp.example/frontend/module-a", true)]
    [InlineData("git.corp.example/frontend/module-a", "git.corp.example/frontend/module-a/v2", false)]
    [InlineData("git.corp.example/frontend/module-a", "git.corp.example/frontend", false)]
    [InlineData("git.corp.example/frontend/module-a", "git.corp.example/frontend/module-ab", false)]
    // '*' is exactly one element: infra/* does not reach a major version or a nested module.
    [InlineData("git.corp.example/infra/*", "git.corp.example/infra/x", true)]
    [InlineData("git.corp.example/infra/*", "git.corp.example/infra/x/v2", false)]
    [InlineData("git.corp.example/infra/*", "git.corp.example/infra/x/tools", false)]
    [InlineData("git.corp.example/infra/*", "git.corp.example/infra", false)]
    [InlineData("git.corp.example/*/tools", "git.corp.example/infra/tools", true)]
    [InlineData("*/infra/x", "git.corp.example/infra/x", true)]
    // '*' inside an element matches within that element.
    [InlineData("git.corp.example/lib-*", "git.corp.example/lib-net", true)]
    [InlineData("git.corp.example/lib-*", "git.corp.example/lib-", true)]
    [InlineData("git.corp.example/lib-*", "git.corp.example/libnet", false)]
    [InlineData("git.corp.example/lib-*", "git.corp.example/lib-net/v2", false)]
    [InlineData("*.corp.example/x", "git.corp.example/x", true)]
    [InlineData("*.corp.example/x", "corp.example/x", false)]
    [InlineData("a.example/*-*-x", "a.example/a-b-x", true)]
    [InlineData("a.example/*-*-x", "a.example/a-x", false)]
    [InlineData("a.example/x*x", "a.example/x", false)]
    [InlineData("a.example/x*x", "a.example/xx", true)]
    // '/...' is the prefix itself and anything below it.
    [InlineData("git.corp.example/...", "git.corp.example", true)]
    [InlineData("git.corp.example/...", "git.corp.example/a", true)]
    [InlineData("git.corp.example/...", "git.corp.example/a/b/c/v3", true)]
    [InlineData("git.corp.example/...", "git.corp.example.evil/a", false)]
    [InlineData("git.corp.example/...", "git.corp.exampl", false)]
    [InlineData("git.corp.example/*/...", "git.corp.example", false)]
    [InlineData("git.corp.example/*/...", "git.corp.example/a", true)]
    [InlineData("git.corp.example/*/...", "git.corp.example/a/b", true)]
    [InlineData("...", "anything.example/at/all", true)]
    // Never a malformed path.
    [InlineData("git.corp.example/*", "git.corp.example/", false)]
    [InlineData("git.corp.example/...", "git.corp.example//x", false)]
    [InlineData("*/x", "/x", false)]
    public void Matches_FollowsTheDocumentedSemantics(string pattern, string path, bool expected)
    {
        Assert.Equal(expected, ModulePathPattern.Parse(pattern).Matches(path, ignoreCase: false));
    }

    [Theory]
    [InlineData("example.com/priv/...", "Example.com/Priv/x", true, true)]
    [InlineData("example.com/priv/...", "Example.com/Priv/x", false, false)]
    [InlineData("example.com/Priv/*", "example.com/priv/x", true, true)]
    [InlineData("example.com/Priv/*", "example.com/priv/x", false, false)]
    [InlineData("example.com/Lib-*", "example.com/lib-X", true, true)]
    [InlineData("example.com/Lib-*", "example.com/lib-X", false, false)]
    public void Matches_LetterCase_AsTheCallerSays(string pattern, string path, bool ignoreCase, bool expected)
    {
        Assert.Equal(expected, ModulePathPattern.Parse(pattern).Matches(path, ignoreCase));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/git.corp.example/x", "no empty elements")]
    [InlineData("git.corp.example/x/", "no empty elements")]
    [InlineData("git.corp.example//x", "no empty elements")]
    [InlineData("git.corp.example/.../x", "can only be the last element")]
    [InlineData("git.corp.example/x...", "must be a whole element")]
    [InlineData("git.corp.example/**", "'**' is not a pattern")]
    [InlineData("example.com/!priv/x", "write the path decoded")]
    [InlineData("example.com/a?c", "'?' cannot occur")]
    [InlineData("example.com/[abc]", "'[' cannot occur")]
    public void TryParse_Malformed_SaysWhatIsWrong(string pattern, string expected)
    {
        Assert.False(ModulePathPattern.TryParse(pattern, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    // Leading literal elements first, whatever the kind.
    [InlineData("a.example/x/...", "a.example/*")]
    [InlineData("a.example/x/y/...", "a.example/*/y/z")]
    // Then exact over '*' over '/...'.
    [InlineData("a.example/x", "a.example/x/...")]
    [InlineData("a.example/*", "a.example/...")]
    [InlineData("a.example/*/z", "a.example/...")]
    // Then more elements.
    [InlineData("a.example/*/z", "a.example/*")]
    [InlineData("a.example/*/...", "a.example/...")]
    // Then more literal characters.
    [InlineData("a.example/lib-*", "a.example/*")]
    public void Specificity_OrdersAsDocumented(string moreSpecific, string lessSpecific)
    {
        var more = ModulePathPattern.Parse(moreSpecific).Specificity;
        var less = ModulePathPattern.Parse(lessSpecific).Specificity;

        Assert.True(more > less, $"{moreSpecific} ({more}) should be more specific than {lessSpecific} ({less})");
        Assert.True(less < more);
    }
}
