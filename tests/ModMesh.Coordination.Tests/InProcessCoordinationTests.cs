using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Coordination.InProcess;

namespace ModMesh.Coordination.Tests;

/// <summary>The coordination conformance suite against the in-process implementations, on fake time.</summary>
public sealed class InProcessCoordinationConformanceTests : CoordinationConformanceTests
{
    private readonly FakeTimeProvider _time = new();

    protected override Task<(ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue)> CreateAsync() =>
        Task.FromResult<(ILockProvider, IFillEvents, INegativeCache, IFillQueue)>(
            (new InProcessLockProvider(_time), new InProcessFillEvents(_time), new InProcessNegativeCache(_time), new InProcessFillQueue(_time)));

    protected override Task AdvanceTimeAsync(TimeSpan by)
    {
        _time.Advance(by);
        return Task.CompletedTask;
    }
}

/// <summary>What only the in-process implementations can show: no leaks, sweeping, DI wiring.</summary>
public sealed class InProcessCoordinationTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>A bound on every call in these tests.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task DisposeAsync_LastWaiterOfKey_RemovesKeyEntry()
    {
        var events = new InProcessFillEvents(_time);
        var first = await events.SubscribeAsync("k", Ct);
        var second = await events.SubscribeAsync("k", Ct);
        Assert.Equal(1, events.KeyCount);

        await first.DisposeAsync();
        Assert.Equal(1, events.KeyCount);
        await second.DisposeAsync();

        Assert.Equal(0, events.KeyCount);
    }

    [Fact]
    public async Task PublishAsync_CompletesWaiters_RemovesKeyEntry()
    {
        var events = new InProcessFillEvents(_time);
        await using var waiter = await events.SubscribeAsync("k", Ct);

        await events.PublishAsync("k", Outcome.Ok, Ct);

        Assert.Equal(0, events.KeyCount);
        Assert.Equal(OutcomeKind.Ok, (await waiter.WaitAsync(TimeSpan.Zero, Ct)).Kind);
    }

    [Fact]
    public async Task WaitAsync_TimesOut_LeavesSubscriptionUntilDisposed()
    {
        var events = new InProcessFillEvents(_time);
        var waiter = await events.SubscribeAsync("k", Ct);
        var wait = waiter.WaitAsync(TimeSpan.FromSeconds(5), Ct);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(OutcomeKind.Pending, (await wait).Kind);
        Assert.Equal(1, events.KeyCount);
        await waiter.DisposeAsync();
        Assert.Equal(0, events.KeyCount);
    }

    [Fact]
    public async Task DisposeAsync_WhileWaiting_WaitThrowsObjectDisposed()
    {
        var events = new InProcessFillEvents(_time);
        var waiter = await events.SubscribeAsync("k", Ct);
        var wait = waiter.WaitAsync(TimeSpan.FromSeconds(5), Ct);

        await waiter.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait);
        Assert.Equal(0, events.KeyCount);
    }

    [Fact]
    public async Task ConcurrentSubscribePublishDispose_LeavesNoEntries()
    {
        var events = new InProcessFillEvents(_time);

        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), Ct, async (i, ct) =>
        {
            string key = $"k{i % 7}";
            await using var waiter = await events.SubscribeAsync(key, ct);
            if (i % 3 == 0)
            {
                await events.PublishAsync(key, Outcome.Ok, ct);
            }
        });

        Assert.Equal(0, events.KeyCount);
    }

    [Fact]
    public async Task SetAsync_AfterSweepInterval_DropsExpiredEntries()
    {
        var cache = new InProcessNegativeCache(_time);
        for (int i = 0; i < 10; i++)
        {
            await cache.SetAsync($"old{i}", "gone", TimeSpan.FromSeconds(1), Ct);
        }

        _time.Advance(InProcessNegativeCache.SweepInterval + TimeSpan.FromSeconds(1));
        await cache.SetAsync("new", "gone", TimeSpan.FromMinutes(5), Ct);

        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task GetAsync_ExpiredEntry_RemovesIt()
    {
        var cache = new InProcessNegativeCache(_time);
        await cache.SetAsync("k", "gone", TimeSpan.FromSeconds(1), Ct);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await cache.GetAsync("k", Ct));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task TryAcquireAsync_AfterSweepInterval_DropsExpiredLocks()
    {
        var locks = new InProcessLockProvider(_time);
        for (int i = 0; i < 10; i++)
        {
            Assert.NotNull(await locks.TryAcquireAsync($"r{i}", TimeSpan.FromSeconds(1), Ct));
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        await using var live = await locks.TryAcquireAsync("live", TimeSpan.FromMinutes(5), Ct);

        Assert.Equal(1, locks.Count);
    }

    [Fact]
    public async Task ReleaseAsync_ExpiredButNotRetaken_ReturnsFalseAndFreesEntry()
    {
        var locks = new InProcessLockProvider(_time);
        var lease = await locks.TryAcquireAsync("r", TimeSpan.FromSeconds(1), Ct);
        Assert.NotNull(lease);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await lease.ReleaseAsync(Ct));
        Assert.Equal(0, locks.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task TtlMethods_NonPositiveTtl_ThrowArgumentOutOfRange(int milliseconds)
    {
        var ttl = TimeSpan.FromMilliseconds(milliseconds);
        var locks = new InProcessLockProvider(_time);
        await using var lease = await locks.TryAcquireAsync("r", TimeSpan.FromSeconds(1), Ct);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => locks.TryAcquireAsync("x", ttl, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => lease!.RenewAsync(ttl, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new InProcessNegativeCache(_time).SetAsync("k", "m", ttl, Ct));
    }

    [Fact]
    public async Task AddInProcessCoordination_WithRegisteredClock_UsesItForAllThree()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        await using var provider = services.AddInProcessCoordination().BuildServiceProvider();

        var locks = provider.GetRequiredService<ILockProvider>();
        var events = provider.GetRequiredService<IFillEvents>();
        var negative = provider.GetRequiredService<INegativeCache>();
        Assert.IsType<InProcessLockProvider>(locks);
        Assert.Same(locks, provider.GetRequiredService<ILockProvider>());

        Assert.NotNull(await locks.TryAcquireAsync("r", TimeSpan.FromSeconds(1), Ct));
        await negative.SetAsync("k", "gone", TimeSpan.FromSeconds(1), Ct);
        await using var waiter = await events.SubscribeAsync("e", Ct);
        var wait = waiter.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.NotNull(await locks.TryAcquireAsync("r", TimeSpan.FromSeconds(1), Ct));
        Assert.Null(await negative.GetAsync("k", Ct));
        Assert.Equal(OutcomeKind.Pending, (await wait).Kind);
    }

    [Fact]
    public void AddInProcessCoordination_NoClockRegistered_UsesSystemClockAndKeepsEarlierRegistrations()
    {
        var negative = new InProcessNegativeCache(_time);
        var services = new ServiceCollection();
        services.AddSingleton<INegativeCache>(negative);
        using var provider = services.AddInProcessCoordination().BuildServiceProvider();

        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.Same(negative, provider.GetRequiredService<INegativeCache>());
    }
}
