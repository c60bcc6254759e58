using ModMesh.Access.Tests.Infrastructure;

namespace ModMesh.Access.Tests.Tokens;

/// <summary>
/// Live reloading through the real <see cref="FileSystemWatcher"/>: the periodic check is off, so only the watcher can
/// have noticed. Waits are bounded polls of the store's state, never sleeps standing in for an assertion.
/// </summary>
public sealed class TokenStoreWatcherTests : IDisposable
{
    private static readonly FileWatchOptions WatcherOnly = new()
    {
        UseFileSystemWatcher = true,
        PollInterval = Timeout.InfiniteTimeSpan,
        SettleTime = TimeSpan.FromMilliseconds(50),
    };

    private readonly TempFolder folder = new();
    private readonly RecordingLogger<TokenStore> log = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task FileRewrittenInPlace_IsReloaded()
    {
        var alice = TokenFile.Issue("alice");
        var bob = TokenFile.Issue("bob");
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n");
        using var store = new TokenStore(folder.File("tokens"), TimeProvider.System, log, WatcherOnly);

        File.WriteAllText(folder.File("tokens"), alice.Line + "\n" + bob.Line + "\n");

        await Eventually.TrueAsync(() => store.Authenticate(bob.Token).Succeeded, "bob's token to authenticate");
        Assert.True(store.Authenticate(alice.Token).Succeeded);
    }

    [Fact]
    public async Task FileReplacedByRename_IsReloaded()
    {
        var alice = TokenFile.Issue("alice");
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n");
        using var store = new TokenStore(folder.File("tokens"), TimeProvider.System, log, WatcherOnly);

        folder.ReplaceAtomically("tokens", "# alice revoked\n");

        await Eventually.TrueAsync(() => store.Current.Count == 0, "the revocation to be applied");
        Assert.Equal(TokenFailure.UnknownId, store.Authenticate(alice.Token).Failure);
    }

    [Fact]
    public async Task InvalidEdit_KeepsTheLastGoodTokens_ThenAFixIsApplied()
    {
        var alice = TokenFile.Issue("alice");
        var bob = TokenFile.Issue("bob");
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n");
        using var store = new TokenStore(folder.File("tokens"), TimeProvider.System, log, WatcherOnly);

        folder.ReplaceAtomically("tokens", alice.Line + "\nthis is not a token line\n");
        await Eventually.TrueAsync(() => log.WithEvent(EventIds.FileRejected).Count > 0, "the bad edit to be rejected");
        Assert.Equal(1, store.Generation);
        Assert.True(store.Authenticate(alice.Token).Succeeded);

        folder.ReplaceAtomically("tokens", bob.Line + "\n");
        await Eventually.TrueAsync(() => store.Generation == 2, "the fixed file to be applied");
        Assert.True(store.Authenticate(bob.Token).Succeeded);
        Assert.False(store.Authenticate(alice.Token).Succeeded);
    }

    [Fact]
    public async Task KubernetesSymlinkSwap_IsReloaded()
    {
        var alice = TokenFile.Issue("alice");
        var bob = TokenFile.Issue("bob");
        var carol = TokenFile.Issue("carol");
        var volume = new KubernetesVolume(folder.Path);
        volume.Publish(new Dictionary<string, string> { ["tokens"] = alice.Line + "\n", ["rules"] = "# none\n" });
        using var store = new TokenStore(volume.PathOf("tokens"), TimeProvider.System, log, WatcherOnly);

        volume.Publish(new Dictionary<string, string> { ["tokens"] = bob.Line + "\n", ["rules"] = "# none\n" });
        await Eventually.TrueAsync(() => store.Authenticate(bob.Token).Succeeded, "the first swap to be applied");
        Assert.Equal(TokenFailure.UnknownId, store.Authenticate(alice.Token).Failure);

        volume.Publish(new Dictionary<string, string> { ["tokens"] = carol.Line + "\n", ["rules"] = "# none\n" });
        await Eventually.TrueAsync(() => store.Authenticate(carol.Token).Succeeded, "the second swap to be applied");
        Assert.Equal(3, store.Generation);
    }

    [Fact]
    public void Dispose_StopsReloading()
    {
        var alice = TokenFile.Issue("alice");
        File.WriteAllText(folder.File("tokens"), alice.Line + "\n");
        var store = new TokenStore(folder.File("tokens"), TimeProvider.System, log, WatcherOnly);
        store.Dispose();

        File.WriteAllText(folder.File("tokens"), "# empty\n");
        store.CheckNow();

        Assert.Equal(1, store.Generation);
    }
}
