using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Access.Tests.Infrastructure;

namespace ModMesh.Access.Tests.Tokens;

/// <summary>Authentication against a loaded tokens file; reloading is driven by fake time and <see cref="TokenStore.CheckNow"/>.</summary>
public sealed class TokenStoreTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly TempFolder folder = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger<TokenStore> log = new();
    private readonly List<string> secrets = [];

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Authenticate_IssuedToken_GivesItsUser()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        using var store = Open(alice.Line, bob.Line);

        var result = store.Authenticate(alice.Token);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(new Principal("alice", alice.Id), result.Principal);
        Assert.Equal("bob", store.Authenticate(bob.Token).Principal?.User);
        AssertNoSecretLogged(result.Reason);
    }

    [Fact]
    public void Authenticate_BasicCredentialsNamingAnotherUser_AuthenticatesAsTheTokensUser()
    {
        var alice = Issue("alice");
        using var store = Open(alice.Line);
        var header = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("mallory:" + alice.Token));

        var result = store.Authenticate(AuthorizationHeader.Parse(header).Credentials!);

        Assert.Equal("alice", result.Principal?.User);
    }

    [Fact]
    public void Authenticate_RightIdWrongSecret_FailsWithoutShowingEitherToken()
    {
        var alice = Issue("alice");
        using var store = Open(alice.Line);
        var forged = alice.Token[..^5] + (alice.Token[^5] == 'A' ? "BAAAA" : "AAAAA");
        secrets.Add(forged);

        var result = store.Authenticate(forged);

        Assert.Equal(TokenFailure.WrongSecret, result.Failure);
        Assert.Null(result.Principal);
        AssertNoSecretLogged(result.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("mm_abcdefghijkl_short")]
    public void Authenticate_Malformed_Fails(string token)
    {
        using var store = Open(Issue("alice").Line);

        Assert.Equal(TokenFailure.Malformed, store.Authenticate(token).Failure);
    }

    [Fact]
    public void Authenticate_UnknownId_Fails()
    {
        using var store = Open(Issue("alice").Line);
        var stranger = TokenFile.Issue("alice");

        Assert.Equal(TokenFailure.UnknownId, store.Authenticate(stranger.Token).Failure);
    }

    [Fact]
    public void Authenticate_ComparesHashesWithFixedTimeEquals_ForKnownAndUnknownIds()
    {
        var alice = Issue("alice");
        using var store = Open(alice.Line);
        Assert.Equal((HashEquality)CryptographicOperations.FixedTimeEquals, store.HashesEqual);
        var calls = new List<(int Left, int Right, bool Result)>();
        store.HashesEqual = (left, right) =>
        {
            var result = CryptographicOperations.FixedTimeEquals(left, right);
            calls.Add((left.Length, right.Length, result));
            return result;
        };

        var right = store.Authenticate(alice.Token);
        var wrongSecret = store.Authenticate(alice.Token[..^2] + (alice.Token[^2] == 'A' ? "Bw" : "Aw"));
        var unknown = store.Authenticate(TokenFile.Issue("alice").Token);
        var malformed = store.Authenticate("mm_nope");

        Assert.True(right.Succeeded);
        Assert.Equal(TokenFailure.WrongSecret, wrongSecret.Failure);
        Assert.Equal(TokenFailure.UnknownId, unknown.Failure);
        Assert.Equal(TokenFailure.Malformed, malformed.Failure);
        // One 32-byte comparison per well-formed token, an unknown id included (against a dummy hash).
        Assert.Equal([(32, 32, true), (32, 32, false), (32, 32, false)], calls);
    }

    [Fact]
    public void Authenticate_ExpiredToken_FailsFromItsExpiryOn()
    {
        var expires = time.GetUtcNow().AddHours(1);
        var ci = Issue("ci", expires);
        using var store = Open(ci.Line);

        Assert.True(store.Authenticate(ci.Token).Succeeded);
        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));
        Assert.True(store.Authenticate(ci.Token).Succeeded);
        time.Advance(TimeSpan.FromTicks(1));

        var result = store.Authenticate(ci.Token);
        Assert.Equal(TokenFailure.Expired, result.Failure);
        Assert.Contains("2026-01-01T01:00:00Z", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoke_WrittenBack_TokenFailsAndOthersStillWork()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        using var store = Open("# tokens", alice.Line, bob.Line);
        Assert.True(store.Authenticate(bob.Token).Succeeded);

        var path = folder.File("tokens");
        File.WriteAllLines(path, TokenFile.Revoke(File.ReadAllLines(path), bob.Id));
        ApplyChange(store);

        Assert.Equal(2, store.Generation);
        Assert.Equal(TokenFailure.UnknownId, store.Authenticate(bob.Token).Failure);
        Assert.True(store.Authenticate(alice.Token).Succeeded);
    }

    [Fact]
    public void Issue_LineAppendedToTheLoadedFile_Authenticates()
    {
        using var store = Open(Issue("alice").Line);
        var carol = Issue("carol");
        Assert.Equal(TokenFailure.UnknownId, store.Authenticate(carol.Token).Failure);

        File.AppendAllText(folder.File("tokens"), carol.Line + "\n");
        ApplyChange(store);

        Assert.Equal("carol", store.Authenticate(carol.Token).Principal?.User);
    }

    [Fact]
    public void Open_MissingFile_Throws()
    {
        var error = Assert.Throws<AccessFileException>(() => new TokenStore(folder.File("absent"), time, log));

        Assert.Equal(AccessFileProblemKind.Unreadable, Assert.Single(error.Problems).Kind);
    }

    [Fact]
    public void Open_BadFile_ThrowsWithEveryProblem()
    {
        File.WriteAllText(folder.File("tokens"), Issue("alice").Line + "\nshort line\nabcdefghijkl bob sha256:00\n");

        var error = Assert.Throws<AccessFileException>(() => new TokenStore(folder.File("tokens"), time, log));

        Assert.Equal([2, 3], error.Problems.Select(p => p.Line));
        Assert.Contains("line 3:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_HalfWrittenFile_KeepsTheLastGoodTokensAndWarnsOnce()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        using var store = Open(alice.Line);

        // An in-place write caught in the middle of bob's hash.
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n" + bob.Line[..30]);
        ApplyChange(store);
        store.CheckNow();
        time.Advance(TimeSpan.FromSeconds(10));
        store.CheckNow();

        Assert.Equal(1, store.Generation);
        Assert.True(store.Authenticate(alice.Token).Succeeded);
        var warning = Assert.Single(log.WithEvent(EventIds.FileRejected));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("line 2:", warning.Message, StringComparison.Ordinal);

        // The writer finishes: the new version is taken.
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n" + bob.Line + "\n");
        ApplyChange(store);

        Assert.Equal(2, store.Generation);
        Assert.True(store.Authenticate(bob.Token).Succeeded);
        AssertNoSecretLogged();
    }

    [Fact]
    public void Reload_ContentStillChanging_IsAppliedOnlyOnceItSettles()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        var carol = Issue("carol");
        using var store = Open(alice.Line);

        File.WriteAllText(folder.File("tokens"), alice.Line + "\n" + bob.Line + "\n");
        store.CheckNow();
        time.Advance(Settle / 2);
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n" + bob.Line + "\n" + carol.Line + "\n");
        store.CheckNow();
        time.Advance(Settle / 2);

        // bob's version was seen but never stayed put for the settle time; carol's is half-way there.
        Assert.Equal(1, store.Generation);
        Assert.False(store.Authenticate(bob.Token).Succeeded);

        time.Advance(Settle / 2);

        Assert.Equal(2, store.Generation);
        Assert.True(store.Authenticate(carol.Token).Succeeded);
    }

    [Fact]
    public void Reload_FileBrieflyMissing_KeepsTheLastGoodTokens()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        using var store = Open(alice.Line);

        File.Delete(folder.File("tokens"));
        store.CheckNow();
        time.Advance(Settle);
        store.CheckNow();

        Assert.True(store.Authenticate(alice.Token).Succeeded);
        var warning = Assert.Single(log.WithEvent(EventIds.FileMissing));
        Assert.Contains("does not exist", warning.Message, StringComparison.Ordinal);

        File.WriteAllText(folder.File("tokens"), bob.Line + "\n");
        ApplyChange(store);

        Assert.True(store.Authenticate(bob.Token).Succeeded);
        Assert.False(store.Authenticate(alice.Token).Succeeded);
    }

    [Fact]
    public void Reload_PeriodicCheckWithoutWatcher_PicksUpAChange()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n");
        var options = new FileWatchOptions { UseFileSystemWatcher = false, PollInterval = TimeSpan.FromSeconds(2), SettleTime = Settle };
        using var store = new TokenStore(folder.File("tokens"), time, log, options);

        File.WriteAllText(folder.File("tokens"), bob.Line + "\n");
        time.Advance(TimeSpan.FromSeconds(2)); // the periodic check sees new content
        Assert.Equal(1, store.Generation);
        time.Advance(Settle); // and applies it once it has stayed the same

        Assert.Equal(2, store.Generation);
        Assert.True(store.Authenticate(bob.Token).Succeeded);
    }

    [Fact]
    public void Reload_KubernetesSymlinkSwapSeenByThePeriodicCheck_IsApplied()
    {
        var alice = Issue("alice");
        var bob = Issue("bob");
        var volume = new KubernetesVolume(folder.Path);
        volume.Publish(new Dictionary<string, string> { ["tokens"] = alice.Line + "\n" });
        var options = new FileWatchOptions { UseFileSystemWatcher = false, PollInterval = TimeSpan.FromSeconds(2), SettleTime = Settle };
        using var store = new TokenStore(volume.PathOf("tokens"), time, log, options);

        volume.Publish(new Dictionary<string, string> { ["tokens"] = bob.Line + "\n" });
        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(Settle);

        Assert.Equal(2, store.Generation);
        Assert.True(store.Authenticate(bob.Token).Succeeded);
        Assert.Equal(TokenFailure.UnknownId, store.Authenticate(alice.Token).Failure);
    }

    private IssuedToken Issue(string user, DateTimeOffset? expires = null)
    {
        var issued = TokenFile.Issue(user, expires);
        secrets.Add(issued.Token);
        return issued;
    }

    private TokenStore Open(params string[] lines)
    {
        File.WriteAllText(folder.File("tokens"), string.Join('\n', lines) + "\n");
        var options = new FileWatchOptions { UseFileSystemWatcher = false, PollInterval = Timeout.InfiniteTimeSpan, SettleTime = Settle };
        return new TokenStore(folder.File("tokens"), time, log, options);
    }

    // What the watcher would do on a change: look now, then again once the settle time has passed.
    private void ApplyChange(TokenStore store)
    {
        store.CheckNow();
        time.Advance(Settle);
    }

    private void AssertNoSecretLogged(params string[] more)
    {
        foreach (var text in log.Entries.Select(e => e.Message).Concat(more))
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(secret[16..], text, StringComparison.Ordinal);
            }
        }
    }
}
