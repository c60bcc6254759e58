using ModMesh.Protocol;

namespace ModMesh.Access.Tests.Rules;

/// <summary>The deciding rule for a user and a module path: the examples of issue 11 and the tie-breaks.</summary>
public class AccessRulesTests
{
    internal const string Example = """
        # groups
        @admins    = alice ops-bot
        @frontend  = carol dave
        @auditors  = erin
        # rules: <module path pattern> <R|RW> = <users and @groups>
        git.corp.example/infra/*            RW = @admins
        git.corp.example/frontend/module-a  RW = @frontend
        git.corp.example/...                R  = @auditors
        git.corp.example/secret/...         -  = @auditors
        """;

    private static AccessRules Parse(string text)
    {
        var result = AccessRules.Parse(text);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        return result.Value!;
    }

    private static AccessPermission? PermissionOf(AccessRules rules, string user, string path, bool ignoreCase = true) =>
        rules.FindRule(user, path, ignoreCase)?.Permission;

    [Theory]
    [InlineData("alice", "git.corp.example/infra/x", AccessPermission.ReadWrite)]
    [InlineData("ops-bot", "git.corp.example/infra/x", AccessPermission.ReadWrite)]
    [InlineData("erin", "git.corp.example/infra/x", AccessPermission.Read)] // infra/* does not name erin: the broad rule does
    [InlineData("carol", "git.corp.example/frontend/module-a", AccessPermission.ReadWrite)]
    [InlineData("dave", "git.corp.example/frontend/module-a", AccessPermission.ReadWrite)]
    [InlineData("carol", "git.corp.example/frontend/module-b", null)] // no rule names carol for module-b
    [InlineData("carol", "git.corp.example/infra/x", null)]
    [InlineData("alice", "git.corp.example/frontend/module-a", null)]
    [InlineData("alice", "git.corp.example/infra/x/v2", null)] // '*' is one element: v2 is a module of its own
    [InlineData("erin", "git.corp.example/infra/x/v2", AccessPermission.Read)]
    [InlineData("erin", "git.corp.example", AccessPermission.Read)] // '/...' includes the prefix itself
    [InlineData("erin", "git.corp.example/secret/keys", AccessPermission.Deny)] // the more specific deny
    [InlineData("erin", "git.corp.example/secret", AccessPermission.Deny)]
    [InlineData("erin", "git.corp.example.evil/x", null)]
    [InlineData("mallory", "git.corp.example/infra/x", null)]
    public void FindRule_IssueExample_DecidesAsDocumented(string user, string path, AccessPermission? expected)
    {
        Assert.Equal(expected, PermissionOf(Parse(Example), user, path));
    }

    [Fact]
    public void FindRule_DenyForAGroup_TakesNothingFromUsersItDoesNotName()
    {
        var rules = Parse(Example + "\ngit.corp.example/secret/... RW = alice\n");

        Assert.Equal(AccessPermission.ReadWrite, PermissionOf(rules, "alice", "git.corp.example/secret/keys"));
        Assert.Equal(AccessPermission.Deny, PermissionOf(rules, "erin", "git.corp.example/secret/keys"));
    }

    [Fact]
    public void FindRule_MoreSpecificRuleForAUser_OverridesTheGroupRule()
    {
        var rules = Parse(Example + "\ngit.corp.example/infra/vault R = ops-bot\n");

        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "ops-bot", "git.corp.example/infra/vault"));
        Assert.Equal(AccessPermission.ReadWrite, PermissionOf(rules, "alice", "git.corp.example/infra/vault"));
        Assert.Equal(AccessPermission.ReadWrite, PermissionOf(rules, "ops-bot", "git.corp.example/infra/x"));
    }

    [Theory]
    // More leading literal elements beat the kind of pattern.
    [InlineData("a.example/x/... R = bob\na.example/* RW = bob", "a.example/x", AccessPermission.Read)]
    // Same leading literals: exact over '*' over '/...'.
    [InlineData("a.example/x RW = bob\na.example/x/... R = bob", "a.example/x", AccessPermission.ReadWrite)]
    [InlineData("a.example/* RW = bob\na.example/... R = bob", "a.example/y", AccessPermission.ReadWrite)]
    [InlineData("a.example/*/z RW = bob\na.example/... R = bob", "a.example/y/z", AccessPermission.ReadWrite)]
    // Then more elements.
    [InlineData("a.example/*/... RW = bob\na.example/... R = bob", "a.example/y/z", AccessPermission.ReadWrite)]
    // Then more literal characters.
    [InlineData("a.example/lib-* R = bob\na.example/* RW = bob", "a.example/lib-net", AccessPermission.Read)]
    // A complete tie: grants add up, whatever the order in the file...
    [InlineData("a.example/*x R = bob\na.example/x* RW = bob", "a.example/xx", AccessPermission.ReadWrite)]
    [InlineData("a.example/x* RW = bob\na.example/*x R = bob", "a.example/xx", AccessPermission.ReadWrite)]
    [InlineData("@g = bob\na.example/x R = @all\na.example/x RW = @g", "a.example/x", AccessPermission.ReadWrite)]
    // ...but a deny wins.
    [InlineData("a.example/x* - = bob\na.example/*x RW = bob", "a.example/xx", AccessPermission.Deny)]
    [InlineData("a.example/*x RW = bob\na.example/x* - = bob", "a.example/xx", AccessPermission.Deny)]
    [InlineData("@g = bob\na.example/x RW = @all\na.example/x - = @g", "a.example/x", AccessPermission.Deny)]
    public void FindRule_Specificity_BreaksTiesAsDocumented(string text, string path, AccessPermission expected)
    {
        Assert.Equal(expected, PermissionOf(Parse(text), "bob", path));
    }

    [Fact]
    public void FindRule_OrderOfRulesInTheFile_DoesNotMatter()
    {
        var lines = Example.Split('\n');
        var reversed = string.Join('\n', lines.Where(l => l.StartsWith('@')).Concat(lines.Where(l => !l.StartsWith('@')).Reverse()));
        var a = Parse(Example);
        var b = Parse(reversed);

        foreach (var user in new[] { "alice", "erin", "carol" })
        {
            foreach (var path in new[] { "git.corp.example/infra/x", "git.corp.example/secret/k", "git.corp.example/frontend/module-a" })
            {
                Assert.Equal(PermissionOf(a, user, path), PermissionOf(b, user, path));
            }
        }
    }

    [Fact]
    public void FindRule_AllGroup_NamesEveryUser()
    {
        var rules = Parse("git.corp.example/public-docs/... R = @all\n@admins = alice\ngit.corp.example/public-docs/... RW = @admins");

        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "anyone-at-all", "git.corp.example/public-docs/x"));
        Assert.Equal(AccessPermission.ReadWrite, PermissionOf(rules, "alice", "git.corp.example/public-docs/x"));
    }

    [Fact]
    public void FindRule_NestedGroups_GiveTheirMembersAccess()
    {
        var rules = Parse("""
            git.corp.example/... R = @engineering
            @engineering = @frontend @backend
            @frontend = carol
            @backend = @platform bob
            @platform = pat
            """);

        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "carol", "git.corp.example/x"));
        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "pat", "git.corp.example/x"));
        Assert.Null(PermissionOf(rules, "mallory", "git.corp.example/x"));
        Assert.Equal(new HashSet<string> { "@all", "@platform", "@backend", "@engineering" }, rules.GroupsOf("pat"));
    }

    [Fact]
    public void FindRule_UserNames_AreCaseSensitive()
    {
        var rules = Parse("git.corp.example/... R = alice");

        Assert.Null(PermissionOf(rules, "Alice", "git.corp.example/x"));
    }

    [Fact]
    public void FindRule_CaseInsensitiveSetting_MatchesTheDecodedPath()
    {
        var rules = Parse("example.com/priv/... R = alice");
        // A GOPROXY URL carries the escaped form; the rules see it decoded.
        Assert.True(CaseEncoding.TryUnescapePath("example.com/!priv/x", out var decoded, out _));
        Assert.Equal("example.com/Priv/x", decoded);

        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "alice", "Example.com/Priv/x", ignoreCase: true));
        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "alice", decoded, ignoreCase: true));
        Assert.Null(PermissionOf(rules, "alice", "Example.com/Priv/x", ignoreCase: false));
        Assert.Null(PermissionOf(rules, "alice", decoded, ignoreCase: false));
        Assert.Equal(AccessPermission.Read, PermissionOf(rules, "alice", "example.com/priv/x", ignoreCase: false));
    }

    [Theory]
    [InlineData("example.com/!priv/x")]
    [InlineData("example.com/priv//x")]
    [InlineData("example.com/priv/x/")]
    [InlineData("/example.com/priv")]
    [InlineData("example.com/priv x")]
    [InlineData("")]
    public void FindRule_NotADecodedModulePath_MatchesNothing(string path)
    {
        // '...' would otherwise match any tail, and an escaped path could slip past a deny written for the decoded one.
        var rules = Parse("example.com/... R = alice\n... R = alice");

        Assert.Null(PermissionOf(rules, "alice", path));
    }

    [Fact]
    public void Empty_GivesNobodyAnything()
    {
        Assert.Null(AccessRules.Empty.FindRule("alice", "git.corp.example/x", ignoreCase: true));
    }
}
