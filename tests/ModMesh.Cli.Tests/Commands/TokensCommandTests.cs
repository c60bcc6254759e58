using Microsoft.Extensions.Logging.Abstractions;
using ModMesh.Access;
using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.TestSupport;

namespace ModMesh.Cli.Tests.Commands;

/// <summary><c>modmesh tokens issue|list|revoke</c> against a temporary tokens file, checked with the gateway's TokenStore.</summary>
public sealed class TokensCommandTests : IDisposable
{
    private readonly string _folder = TempDirectory.CreateUnique("tokens");

    private string TokensFile => Path.Combine(_folder, "tokens");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public async Task IssueListRevoke_RoundTrip_TokenAuthenticatesUntilRevoked()
    {
        File.WriteAllText(TokensFile, "# the CI tokens\n");

        var issued = await CliRunner.RunAsync("tokens", "issue", "alice", "--file", TokensFile);
        Assert.True(issued.ExitCode == 0, issued.ToString());
        var token = Assert.Single(issued.OutLines);
        Assert.True(AccessToken.TryGetId(token, out var id), token);
        Assert.StartsWith("# the CI tokens\n", File.ReadAllText(TokensFile), StringComparison.Ordinal);
        Assert.DoesNotContain(token, File.ReadAllText(TokensFile), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));

        using (var store = new TokenStore(TokensFile, TimeProvider.System, NullLogger<TokenStore>.Instance))
        {
            var result = store.Authenticate(token);
            Assert.True(result.Succeeded, result.ToString());
            Assert.Equal("alice", result.Principal!.User);
        }

        var second = await CliRunner.RunAsync("tokens", "issue", "ci-payments", "--expires", "2999-07-01T00:00:00Z", "--file", TokensFile);
        Assert.Equal(0, second.ExitCode);

        var list = await CliRunner.RunAsync("tokens", "list", "--file", TokensFile);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(list.OutLines, l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("alice", StringComparison.Ordinal) && l.EndsWith("never", StringComparison.Ordinal));
        Assert.Contains(list.OutLines, l => l.Contains("ci-payments", StringComparison.Ordinal) && l.EndsWith("2999-07-01T00:00:00Z", StringComparison.Ordinal));
        Assert.DoesNotContain("sha256", list.Out, StringComparison.Ordinal);

        var revoked = await CliRunner.RunAsync("tokens", "revoke", id, "--file", TokensFile);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Contains($"revoked token {id} (user alice)", revoked.Out, StringComparison.Ordinal);

        using (var store = new TokenStore(TokensFile, TimeProvider.System, NullLogger<TokenStore>.Instance))
        {
            var result = store.Authenticate(token);
            Assert.False(result.Succeeded);
            Assert.Equal(TokenFailure.UnknownId, result.Failure);
            Assert.Equal(1, store.Current.Count);
        }

        Assert.StartsWith("# the CI tokens\n", File.ReadAllText(TokensFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue_NewFile_IsCreated()
    {
        var issued = await CliRunner.RunAsync("tokens", "issue", "bob", "--file", TokensFile);

        Assert.Equal(0, issued.ExitCode);
        Assert.Single(File.ReadAllLines(TokensFile));
    }

    [Fact]
    public async Task Issue_ExpiryInThePastOrMalformed_IsAUsageError()
    {
        Assert.Equal(2, (await CliRunner.RunAsync("tokens", "issue", "bob", "--expires", "2001-01-01T00:00:00Z", "--file", TokensFile)).ExitCode);
        var malformed = await CliRunner.RunAsync("tokens", "issue", "bob", "--expires", "tomorrow", "--file", TokensFile);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("RFC 3339", malformed.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(TokensFile));
    }

    [Fact]
    public async Task Issue_BadUserOrMissingFileOption_IsAUsageError()
    {
        Assert.Equal(2, (await CliRunner.RunAsync("tokens", "issue", "@group", "--file", TokensFile)).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("tokens", "issue", "bob")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("tokens", "issue", "bob", "--file", TokensFile, "--color", "red")).ExitCode);
    }

    [Fact]
    public async Task Issue_IntoAFileWithProblems_IsRefusedAndLeavesItAlone()
    {
        File.WriteAllText(TokensFile, "not a token line\n");

        var issued = await CliRunner.RunAsync("tokens", "issue", "bob", "--file", TokensFile);

        Assert.Equal(1, issued.ExitCode);
        Assert.Contains($"{TokensFile}:1:", issued.Error, StringComparison.Ordinal);
        Assert.Equal("", issued.Out);
        Assert.Equal("not a token line\n", File.ReadAllText(TokensFile));
    }

    [Fact]
    public async Task Revoke_UnknownId_FailsAndChangesNothing()
    {
        await CliRunner.RunAsync("tokens", "issue", "bob", "--file", TokensFile);
        var before = File.ReadAllText(TokensFile);

        var revoked = await CliRunner.RunAsync("tokens", "revoke", "aaaaaaaaaaaa", "--file", TokensFile);

        Assert.Equal(1, revoked.ExitCode);
        Assert.Contains("no token 'aaaaaaaaaaaa'", revoked.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(TokensFile));
    }

    [Fact]
    public async Task List_MissingFile_Fails()
    {
        var list = await CliRunner.RunAsync("tokens", "list", "--file", TokensFile);

        Assert.Equal(1, list.ExitCode);
        Assert.Contains("cannot read", list.Error, StringComparison.Ordinal);
    }
}
