using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Coordination;
using ModMesh.Coordination.InProcess;
using ModMesh.Fetcher.Filling;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport.Http;

namespace ModMesh.Fetcher.Tests;

/// <summary>The filler itself (the "Local" fill mode): locking across filler instances that share one coordinator.</summary>
public sealed class ModuleFillerTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;

    /// <summary>A bound on every call, so a hang fails instead of stalling the run.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task FillAsync_FillLongerThanLockTimeToLive_RenewalKeepsLockAndSecondFillerDoesNotFetch()
    {
        // The upstream takes 3 s of real time for the zip; meanwhile the coordinator's clock (fake) is moved past the
        // 1 s lock TTL in steps, each step only once the holder renewed: the lock's fate depends on renewal alone.
        const string path = "example.com/long";
        var version = _upstream.AddModule(path, "v1.2.0").Version("v1.2.0");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.2.0.zip"), UpstreamFault.Delayed(TimeSpan.FromSeconds(3)));
        var time = new FakeTimeProvider();
        var locks = new ObservedLockProvider(new InProcessLockProvider(time));
        await using var host = await FillHost.StartAsync(
            _upstream,
            new Dictionary<string, string?> { ["ModMesh:Fill:Mode"] = "Local", ["ModMesh:Fill:LockTimeToLive"] = "00:00:01" },
            withConsumer: false,
            services: s => s.AddSingleton<TimeProvider>(time).AddSingleton<ILockProvider>(locks));
        var first = host.Services.GetRequiredService<ModuleFiller>();
        var second = ActivatorUtilities.CreateInstance<ModuleFiller>(host.Services); // another node's filler, same coordinator and store
        var request = FillHost.Request(path, "v1.2.0");

        var firstFill = first.FillAsync(request, Ct);
        await EventuallyAsync(() => _upstream.RequestCount(path, "@v/v1.2.0.zip") == 1, "the first filler asked for the zip");
        var secondFill = second.FillAsync(request, Ct);
        await EventuallyAsync(() => locks.Refused == 1, "the second filler found the lock held");
        for (int step = 1; step <= 3; step++)
        {
            // Let the other side arm its timer on the fake clock first (the second filler's wait, the holder's next
            // renewal): a timer armed after an advance would start from the advanced time and miss it.
            await Task.Delay(100, Ct);
            time.Advance(TimeSpan.FromMilliseconds(400)); // past a third of the TTL: the holder renews
            await EventuallyAsync(() => locks.Renewed >= step || firstFill.IsCompleted, $"renewal {step}");
        }

        // 1.2 s on the clock: the first TTL is over, the second filler's wait ran out and it tried again.
        await EventuallyAsync(() => locks.Refused >= 2 || firstFill.IsCompleted, "the second filler tried the lock again");
        Assert.False(firstFill.IsCompleted, "the fill ended before the lock's first TTL ran out: nothing was shown");
        var outcomes = await Task.WhenAll(firstFill, secondFill);

        Assert.Equal(Outcome.Ok, outcomes[0]);
        Assert.Equal(Outcome.Ok, outcomes[1]);
        Assert.Equal(0, locks.RenewalsLost);
        Assert.Equal(1, locks.Granted);
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.2.0.zip"));
        Assert.Equal(0, _upstream.RequestCount(path, "@v/v1.2.0.info")); // a zip fill fetches the zip alone
        Assert.Equal(version.SmallZip, await File.ReadAllBytesAsync(host.BlobFile(path, "v1.2.0", ModuleFile.Zip), Ct));
    }

    [Fact]
    public async Task EnsureFilledAsync_LocalMode_FillsInProcessWithoutQueue()
    {
        const string path = "example.com/local";
        _upstream.AddModule(path, "v1.0.0");
        await using var host = await FillHost.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:Mode"] = "Local" }, withConsumer: false);
        Assert.IsType<ModuleFiller>(host.Filler);

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(0, host.Queue.Enqueued);
        Assert.True(File.Exists(host.BlobFile(path, "v1.0.0", ModuleFile.Zip)));
    }

    private async Task EventuallyAsync(Func<bool> condition, string what)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (bound.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    /// <summary>Counts what fillers do with the lock: acquisitions granted and refused, renewals made and lost.</summary>
    private sealed class ObservedLockProvider(ILockProvider inner) : ILockProvider
    {
        private int _granted;
        private int _refused;
        private int _renewed;
        private int _renewalsLost;

        public int Granted => Volatile.Read(ref _granted);

        public int Refused => Volatile.Read(ref _refused);

        public int Renewed => Volatile.Read(ref _renewed);

        public int RenewalsLost => Volatile.Read(ref _renewalsLost);

        public async Task<ILockLease?> TryAcquireAsync(string resource, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var lease = await inner.TryAcquireAsync(resource, timeToLive, cancellationToken);
            Interlocked.Increment(ref lease is null ? ref _refused : ref _granted);
            return lease is null ? null : new Lease(this, lease);
        }

        private sealed class Lease(ObservedLockProvider owner, ILockLease inner) : ILockLease
        {
            public string Resource => inner.Resource;

            public string Token => inner.Token;

            public async Task<bool> RenewAsync(TimeSpan timeToLive, CancellationToken cancellationToken)
            {
                var renewed = await inner.RenewAsync(timeToLive, cancellationToken);
                Interlocked.Increment(ref renewed ? ref owner._renewed : ref owner._renewalsLost);
                return renewed;
            }

            public Task<bool> ReleaseAsync(CancellationToken cancellationToken) => inner.ReleaseAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
