using ModMesh.Access.Tests.Rules;

namespace ModMesh.Access.Tests.Policy;

public class AccessPolicyTests
{
    private static readonly Principal Alice = new("alice", "aaaaaaaaaaaa");
    private static readonly Principal Carol = new("carol", "cccccccccccc");
    private static readonly Principal Erin = new("erin", "eeeeeeeeeeee");
    private static readonly Principal Mallory = new("mallory", "mmmmmmmmmmmm");

    private static readonly AccessRules Example = AccessRules.Parse(AccessRulesTests.Example).Value!;

    private static AccessPolicy Policy(bool anonymousPublicRead = true, bool ignoreCase = true) =>
        new(Example, new AccessPolicyOptions { AllowAnonymousPublicRead = anonymousPublicRead, IgnoreModulePathCase = ignoreCase });

    [Fact]
    public void Options_Defaults_AreAnonymousPublicReadAndCaseInsensitivePaths()
    {
        var options = new AccessPolicyOptions();

        Assert.True(options.AllowAnonymousPublicRead);
        Assert.True(options.IgnoreModulePathCase);
    }

    [Fact]
    public void Decide_PublicReadWithoutCredentials_AllowedByDefault()
    {
        var decision = Policy().Decide(null, "rsc.io/quote", isPrivate: false, AccessOperation.Read);

        Assert.Equal(AccessDecisionKind.Allowed, decision.Kind);
        Assert.Null(decision.DenialStatusCode);
    }

    [Fact]
    public void Decide_PublicReadWithoutCredentials_WhenAnonymousReadIsOff_IsUnauthenticated()
    {
        var decision = Policy(anonymousPublicRead: false).Decide(null, "rsc.io/quote", isPrivate: false, AccessOperation.Read);

        Assert.Equal(AccessDecisionKind.Unauthenticated, decision.Kind);
        Assert.Equal(401, decision.DenialStatusCode);
    }

    [Fact]
    public void Decide_PublicReadWithAnyValidToken_AllowedWithoutAnyRule()
    {
        var decision = Policy(anonymousPublicRead: false).Decide(Mallory, "rsc.io/quote", isPrivate: false, AccessOperation.Read);

        Assert.True(decision.IsAllowed);
    }

    [Fact]
    public void Decide_PrivateReadWithoutCredentials_IsUnauthenticated_EvenWithAnonymousPublicRead()
    {
        var decision = Policy().Decide(null, "git.corp.example/infra/x", isPrivate: true, AccessOperation.Read);

        Assert.Equal(AccessDecisionKind.Unauthenticated, decision.Kind);
        Assert.Equal(401, decision.DenialStatusCode);
    }

    [Fact]
    public void Decide_PrivateReadWithCredentialsButNoRule_IsForbidden()
    {
        var decision = Policy().Decide(Carol, "git.corp.example/frontend/module-b", isPrivate: true, AccessOperation.Read);

        Assert.Equal(AccessDecisionKind.Forbidden, decision.Kind);
        Assert.Equal(403, decision.DenialStatusCode);
        Assert.Null(decision.Rule);
        Assert.Contains("no rule gives carol", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice", "git.corp.example/infra/x", AccessOperation.Read, AccessDecisionKind.Allowed)]
    [InlineData("alice", "git.corp.example/infra/x", AccessOperation.Publish, AccessDecisionKind.Allowed)]
    [InlineData("erin", "git.corp.example/infra/x", AccessOperation.Read, AccessDecisionKind.Allowed)]
    [InlineData("erin", "git.corp.example/infra/x", AccessOperation.Publish, AccessDecisionKind.Forbidden)]
    [InlineData("erin", "git.corp.example/secret/keys", AccessOperation.Read, AccessDecisionKind.Forbidden)]
    [InlineData("carol", "git.corp.example/frontend/module-a", AccessOperation.Publish, AccessDecisionKind.Allowed)]
    [InlineData("carol", "git.corp.example/frontend/module-b", AccessOperation.Read, AccessDecisionKind.Forbidden)]
    [InlineData("alice", "git.corp.example/infra/x/v2", AccessOperation.Read, AccessDecisionKind.Forbidden)]
    public void Decide_PrivateModule_FollowsTheRules(string user, string path, AccessOperation operation, AccessDecisionKind expected)
    {
        Assert.Equal(expected, Policy().Decide(new Principal(user), path, isPrivate: true, operation).Kind);
    }

    [Fact]
    public void Decide_PublishWithOnlyRead_IsForbiddenAndSaysWhy()
    {
        var decision = Policy().Decide(Erin, "git.corp.example/infra/x", isPrivate: true, AccessOperation.Publish);

        Assert.Equal(AccessDecisionKind.Forbidden, decision.Kind);
        Assert.Equal(8, decision.Rule?.Line);
        Assert.Contains("publishing needs RW", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_PublishOfAPublicPath_StillNeedsRw()
    {
        Assert.Equal(AccessDecisionKind.Unauthenticated, Policy().Decide(null, "rsc.io/quote", isPrivate: false, AccessOperation.Publish).Kind);
        Assert.Equal(AccessDecisionKind.Forbidden, Policy().Decide(Mallory, "rsc.io/quote", isPrivate: false, AccessOperation.Publish).Kind);
        Assert.Equal(AccessDecisionKind.Forbidden, Policy().Decide(Erin, "git.corp.example/docs", isPrivate: false, AccessOperation.Publish).Kind);
        Assert.True(Policy().Decide(Alice, "git.corp.example/infra/x", isPrivate: false, AccessOperation.Publish).IsAllowed);
    }

    [Fact]
    public void Decide_DenyRule_NamesTheRuleInTheReason()
    {
        var decision = Policy().Decide(Erin, "git.corp.example/secret/keys", isPrivate: true, AccessOperation.Read);

        Assert.Equal(9, decision.Rule?.Line);
        Assert.Contains("denied", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("git.corp.example/secret/...", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, AccessDecisionKind.Allowed)]
    [InlineData(false, AccessDecisionKind.Forbidden)]
    public void Decide_PathInAnotherLetterCase_FollowsTheCaseSetting(bool ignoreCase, AccessDecisionKind expected)
    {
        var rules = AccessRules.Parse("example.com/priv/... R = alice").Value!;
        var policy = new AccessPolicy(rules, new AccessPolicyOptions { IgnoreModulePathCase = ignoreCase });

        Assert.Equal(expected, policy.Decide(Alice, "Example.com/Priv/x", isPrivate: true, AccessOperation.Read).Kind);
    }

    [Fact]
    public void Decide_CaseInsensitiveByDefault_SoADenyCannotBeDodgedByCase()
    {
        var decision = Policy().Decide(Erin, "Git.Corp.Example/Secret/keys", isPrivate: true, AccessOperation.Read);

        Assert.Equal(AccessDecisionKind.Forbidden, decision.Kind);
        Assert.Equal(AccessPermission.Deny, decision.Rule?.Permission);
    }

    [Theory]
    [InlineData("git.corp.example/!secret/keys")]
    [InlineData("git.corp.example/secret//keys")]
    [InlineData("git.corp.example/secret/keys/")]
    public void Decide_NotADecodedModulePath_IsForbidden(string path)
    {
        var decision = Policy().Decide(Erin, path, isPrivate: true, AccessOperation.Read);

        Assert.Equal(AccessDecisionKind.Forbidden, decision.Kind);
        Assert.Contains("not a decoded module path", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ReasonNamesTheTokenIdButNeverASecret()
    {
        var issued = TokenFile.Issue("alice");
        var principal = new Principal("alice", issued.Id);

        var reasons = new[]
        {
            Policy().Decide(principal, "git.corp.example/infra/x", true, AccessOperation.Read).Reason,
            Policy().Decide(principal, "git.corp.example/other", true, AccessOperation.Read).Reason,
            Policy().Decide(principal, "rsc.io/quote", false, AccessOperation.Read).Reason,
        };

        Assert.All(reasons, r => Assert.DoesNotContain(issued.Token[16..], r, StringComparison.Ordinal));
        Assert.Contains(issued.Id, reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void CanRead_FiltersAListOfPrivateModulesPerUser()
    {
        string[] modules =
        [
            "git.corp.example/infra/x",
            "git.corp.example/frontend/module-a",
            "git.corp.example/frontend/module-b",
            "git.corp.example/secret/keys",
        ];
        var policy = Policy();

        Assert.Equal(["git.corp.example/infra/x"], modules.Where(m => policy.CanRead(Alice, m)));
        Assert.Equal(["git.corp.example/frontend/module-a"], modules.Where(m => policy.CanRead(Carol, m)));
        Assert.Equal(modules[..3], modules.Where(m => policy.CanRead(Erin, m)));
        Assert.DoesNotContain(modules, m => policy.CanRead(null, m));
        Assert.DoesNotContain(modules, m => policy.CanRead(Mallory, m));
    }

    [Fact]
    public void CanRead_PublicModule_FollowsTheAnonymousSetting()
    {
        Assert.True(Policy().CanRead(null, "rsc.io/quote", isPrivate: false));
        Assert.False(Policy(anonymousPublicRead: false).CanRead(null, "rsc.io/quote", isPrivate: false));
    }
}
