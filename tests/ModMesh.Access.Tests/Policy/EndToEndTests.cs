using Microsoft.Extensions.Time.Testing;
using ModMesh.Access.Tests.Infrastructure;
using ModMesh.Access.Tests.Rules;

namespace ModMesh.Access.Tests.Policy;

/// <summary>From an Authorization header to a decision, the way the gateway will chain the pieces.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly FakeTimeProvider time = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void NetrcBasicCredentials_ForAPrivateModule_AreDecidedByTheTokensUser()
    {
        var alice = TokenFile.Issue("alice");
        var erin = TokenFile.Issue("erin");
        File.WriteAllText(folder.File("tokens"), $"{alice.Line}\n{erin.Line}\n");
        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example);
        var options = new FileWatchOptions { UseFileSystemWatcher = false, PollInterval = Timeout.InfiniteTimeSpan };
        using var tokens = new TokenStore(folder.File("tokens"), time, new RecordingLogger<TokenStore>(), options);
        using var rules = new RulesFile(folder.File("rules"), time, new RecordingLogger<RulesFile>(), options);
        var policy = new AccessPolicy(rules);

        AccessDecision Decide(string? header, string path, AccessOperation operation)
        {
            var credentials = AuthorizationHeader.Parse(header);
            var principal = credentials.Succeeded ? tokens.Authenticate(credentials.Credentials!).Principal : null;
            return policy.Decide(principal, path, isPrivate: true, operation);
        }

        string Basic(string user, string token) => "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{token}"));

        Assert.Equal(AccessDecisionKind.Allowed, Decide(Basic("alice", alice.Token), "git.corp.example/infra/x", AccessOperation.Publish).Kind);
        // The netrc user name is free text: erin's token is erin, whatever the login line says.
        Assert.Equal(AccessDecisionKind.Forbidden, Decide(Basic("alice", erin.Token), "git.corp.example/infra/x", AccessOperation.Publish).Kind);
        Assert.Equal(AccessDecisionKind.Allowed, Decide("Bearer " + erin.Token, "git.corp.example/infra/x", AccessOperation.Read).Kind);
        Assert.Equal(AccessDecisionKind.Unauthenticated, Decide(null, "git.corp.example/infra/x", AccessOperation.Read).Kind);
        Assert.Equal(AccessDecisionKind.Unauthenticated, Decide("Bearer mm_forged", "git.corp.example/infra/x", AccessOperation.Read).Kind);
    }
}
