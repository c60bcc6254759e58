using System.Diagnostics;
using ModMesh.Coordination.Redis;
using ModMesh.TestSupport.Servers;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// Redis going away and coming back, against a real redis-server of each test's own: every call fails promptly with an
/// "unavailable" error (the node then falls back to local single-flight), and once Redis is back the same multiplexer
/// and coordinators work again, existing subscriptions included.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    /// <summary>What "promptly" means: the 2 s async timeout, plus the 1 s heartbeat that notices it, plus slack.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static FillJob Job(string version) => new("example.com/m", version, "example.com/m", version, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Coordinators_RedisKilledThenRestarted_FailPromptlyThenRecoverWithSameMultiplexer()
    {
        using var server = new RedisServer();
        await using var redis = await RedisConnection.ConnectAsync(server.ConnectionString);
        await using var otherNode = await RedisConnection.ConnectAsync(server.ConnectionString);
        var c = new Coordinators(redis, RedisFixture.NewOptions());

        var held = await c.Locks.TryAcquireAsync("held", Long, Ct);
        Assert.NotNull(held);
        await using var waiter = await c.Events.SubscribeAsync("filled-after-restart", Ct);
        var wait = waiter.WaitAsync(Long, Ct);
        await c.Queue.EnqueueAsync(Job("v1.0.0"), Ct);
        await c.Queue.AcknowledgeAsync(Assert.Single(await c.Queue.ReadAsync("f", 1, TimeSpan.Zero, Long, Ct)), Ct);

        server.Stop();

        var slowest = await AssertEveryCallFailsPromptlyAsync(c, held);
        output.WriteLine($"Redis killed: slowest failing call took {slowest.TotalMilliseconds:F0} ms");
        Assert.False(wait.IsCompleted); // an existing waiter just keeps waiting (bounded by its own timeout)

        server.Start();
        var restarted = Stopwatch.StartNew();
        await EventuallyAsync(async () => await c.Locks.TryAcquireAsync("probe", Long, Ct) is not null);
        output.WriteLine($"Redis restarted: locks work again after {restarted.ElapsedMilliseconds} ms");

        // The restarted server is empty: the old lease is lost and is not silently re-acquired by renewing.
        Assert.False(await held.RenewAsync(Long, Ct));
        await using (var again = await c.Locks.TryAcquireAsync("held", Long, Ct))
        {
            Assert.NotNull(again);
            Assert.Null(await c.Locks.TryAcquireAsync("held", Long, Ct));
        }

        // The subscription made before the outage was restored by the multiplexer: the old waiter hears a fill.
        var otherEvents = new RedisFillEvents(otherNode, c.Options);
        await EventuallyAsync(async () =>
        {
            await otherEvents.PublishAsync("filled-after-restart", Outcome.Ok, Ct);
            return await Task.WhenAny(wait, Task.Delay(100, Ct)) == wait;
        });
        Assert.Equal(OutcomeKind.Ok, (await wait).Kind);
        output.WriteLine($"Redis restarted: the old subscription hears events after {restarted.ElapsedMilliseconds} ms");

        // The queue re-creates its consumer group (the restarted server lost it) and works.
        await c.Queue.EnqueueAsync(Job("v2.0.0"), Ct);
        var delivery = Assert.Single(await c.Queue.ReadAsync("f", 10, TimeSpan.Zero, Long, Ct));
        Assert.Equal("v2.0.0", delivery.Job.Version);
        await c.Queue.AcknowledgeAsync(delivery, Ct);

        // New subscriptions and the negative cache work too.
        await using var fresh = await c.Events.SubscribeAsync("fresh", Ct);
        await otherEvents.PublishAsync("fresh", Outcome.Ok, Ct);
        Assert.Equal(OutcomeKind.Ok, (await fresh.WaitAsync(Long, Ct)).Kind);
        await c.Negative.SetAsync("n", "gone", Long, Ct);
        Assert.Equal("gone", await c.Negative.GetAsync("n", Ct));
        output.WriteLine($"Redis restarted: everything verified after {restarted.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Coordinators_RedisHung_CallsTimeOutPromptlyThenRecover()
    {
        using var server = new RedisServer();
        await using var redis = await RedisConnection.ConnectAsync(server.ConnectionString);
        var c = new Coordinators(redis, RedisFixture.NewOptions());
        Assert.NotNull(await c.Locks.TryAcquireAsync("warm", Long, Ct));

        server.Pause(); // connections stay open, nothing answers: a hung server or a silent partition
        try
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAnyAsync<Exception>(() => c.Locks.TryAcquireAsync("x", Long, Ct));
            output.WriteLine($"Redis hung: TryAcquireAsync failed after {clock.ElapsedMilliseconds} ms with {error.GetType().Name}");
            Assert.True(RedisConnection.IsUnavailable(error), error.ToString());
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, Prompt);

            clock.Restart();
            error = await Assert.ThrowsAnyAsync<Exception>(() => c.Queue.ReadAsync("f", 1, TimeSpan.Zero, Long, Ct));
            Assert.True(RedisConnection.IsUnavailable(error), error.ToString());
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, Prompt);
        }
        finally
        {
            server.Resume();
        }

        var resumed = Stopwatch.StartNew();
        await EventuallyAsync(async () => await c.Locks.TryAcquireAsync("probe", Long, Ct) is not null);
        output.WriteLine($"Redis resumed: locks work again after {resumed.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task TryAcquireAsync_CancelledWhileRedisSlow_GivesTheLockBackOnceRedisAnswers()
    {
        using var server = new RedisServer();
        await using var redis = await RedisConnection.ConnectAsync(server.ConnectionString);
        var c = new Coordinators(redis, RedisFixture.NewOptions());
        Assert.NotNull(await c.Locks.TryAcquireAsync("warm", Long, Ct));

        server.Pause();
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.Locks.TryAcquireAsync("r", Long, cts.Token));
        }
        finally
        {
            server.Resume(); // the SET sent before the cancellation now succeeds...
        }

        // ...and is given back at once, not held for its 60 s TTL by nobody.
        await EventuallyAsync(async () => await c.Locks.TryAcquireAsync("r", Long, Ct) is not null);
    }

    [Fact]
    public async Task Multiplexer_RedisDownAtStart_ConnectsAnywayAndWorksOnceRedisComes()
    {
        using var server = new RedisServer();
        server.Stop();

        var clock = Stopwatch.StartNew();
        await using var redis = await RedisConnection.ConnectAsync(server.ConnectionString);
        output.WriteLine($"Redis down at start: ConnectAsync returned after {clock.ElapsedMilliseconds} ms");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Prompt);
        Assert.False(redis.IsConnected);
        var c = new Coordinators(redis, RedisFixture.NewOptions());
        await AssertEveryCallFailsPromptlyAsync(c, held: null);

        server.Start();
        clock.Restart();
        await EventuallyAsync(async () => await c.Locks.TryAcquireAsync("probe", Long, Ct) is not null);
        output.WriteLine($"Redis came up: locks work after {clock.ElapsedMilliseconds} ms");
        await using var waiter = await c.Events.SubscribeAsync("k", Ct);
        await c.Events.PublishAsync("k", Outcome.Ok, Ct);
        Assert.Equal(OutcomeKind.Ok, (await waiter.WaitAsync(Long, Ct)).Kind);
        await c.Queue.EnqueueAsync(Job("v1.0.0"), Ct);
        Assert.Single(await c.Queue.ReadAsync("f", 10, TimeSpan.Zero, Long, Ct));
    }

    /// <summary>Every coordinator call throws an "unavailable" error within <see cref="Prompt"/>; returns the slowest.</summary>
    private async Task<TimeSpan> AssertEveryCallFailsPromptlyAsync(Coordinators c, ILockLease? held)
    {
        var delivery = new FillJobDelivery("1-0", Job("v9.0.0"), 1);
        var calls = new List<(string Name, Func<Task> Call)>
        {
            ("TryAcquireAsync", () => c.Locks.TryAcquireAsync("other", Long, Ct)),
            ("SubscribeAsync", () => c.Events.SubscribeAsync("new-key", Ct)),
            ("PublishAsync", () => c.Events.PublishAsync("new-key", Outcome.Ok, Ct)),
            ("Negative.SetAsync", () => c.Negative.SetAsync("n", "gone", Long, Ct)),
            ("Negative.GetAsync", () => c.Negative.GetAsync("n", Ct)),
            ("Negative.RemoveAsync", () => c.Negative.RemoveAsync("n", Ct)),
            ("EnqueueAsync", () => c.Queue.EnqueueAsync(Job("v9.0.0"), Ct)),
            ("ReadAsync", () => c.Queue.ReadAsync("f", 1, TimeSpan.FromSeconds(1), Long, Ct)),
            ("AcknowledgeAsync", () => c.Queue.AcknowledgeAsync(delivery, Ct)),
        };
        if (held is not null)
        {
            calls.Add(("RenewAsync", () => held.RenewAsync(Long, Ct)));
            calls.Add(("ReleaseAsync", () => held.ReleaseAsync(Ct)));
        }

        var slowest = TimeSpan.Zero;
        foreach (var (name, call) in calls)
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAnyAsync<Exception>(call);
            clock.Stop();
            output.WriteLine($"  {name}: {error.GetType().Name} after {clock.ElapsedMilliseconds} ms");
            Assert.True(RedisConnection.IsUnavailable(error), $"{name}: {error}");
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, Prompt);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        if (held is not null)
        {
            await held.DisposeAsync(); // never throws: the TTL frees the lock
        }

        return slowest;
    }

    /// <summary>Retries <paramref name="attempt"/> (an "unavailable" error counts as false) for up to 20 s.</summary>
    private async Task EventuallyAsync(Func<Task<bool>> attempt)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                if (await attempt())
                {
                    return;
                }
            }
            catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
            {
                last = ex;
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail($"Redis did not come back within 20 s. Last error: {last}");
    }

    private sealed class Coordinators(IConnectionMultiplexer redis, RedisCoordinationOptions options)
    {
        public RedisCoordinationOptions Options { get; } = options;

        public ILockProvider Locks { get; } = new RedisLockProvider(redis, options);

        public IFillEvents Events { get; } = new RedisFillEvents(redis, options);

        public INegativeCache Negative { get; } = new RedisNegativeCache(redis, options);

        public IFillQueue Queue { get; } = new RedisFillQueue(redis, options);
    }
}
