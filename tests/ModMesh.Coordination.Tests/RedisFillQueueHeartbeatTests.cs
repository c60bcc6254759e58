using System.Diagnostics;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// Consumer heartbeats on a real redis-server: a fetcher that dies mid-job is noticed within seconds (its heartbeat
/// key runs out) and another takes its job at once, long before the reclaim time; a live one keeps its jobs.
/// Real time, by necessity: the heartbeat's expiry is Redis' own clock.
/// </summary>
public sealed class RedisFillQueueHeartbeatTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>
{
    /// <summary>Far beyond every wait below: only the heartbeat can move a job in these tests.</summary>
    private static readonly TimeSpan ReclaimAfter = TimeSpan.FromMinutes(5);

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static FillJob Job(string version) => new("example.com/m", version, "example.com/m", version, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task ReadAsync_ConsumerDiedMidJob_AnotherTakesItOverWithinSeconds()
    {
        var options = RedisFixture.NewOptions(); // heartbeat: 3 s to live, refreshed every 1 s
        var producer = new RedisFillQueue(redis.Redis, options);
        var dyingProcess = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var dying = new RedisFillQueue(dyingProcess, options);
        var heartbeat = await dying.StartHeartbeatAsync("dying", Ct);
        await producer.EnqueueAsync(Job("v1.0.0"), Ct);
        var taken = Assert.Single(await dying.ReadAsync("dying", 10, TimeSpan.Zero, ReclaimAfter, Ct));
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct); // mid-fill, a beat or two later...

        await dyingProcess.DisposeAsync(); // ...the process dies: its connection goes, its beats stop, nothing is acknowledged
        var sinceDeath = Stopwatch.StartNew();
        var survivor = new RedisFillQueue(redis.Redis, options);
        await using var survivorHeartbeat = await survivor.StartHeartbeatAsync("survivor", Ct);
        var deliveries = await survivor.ReadAsync("survivor", 10, TimeSpan.FromSeconds(20), ReclaimAfter, Ct);
        var takeover = sinceDeath.Elapsed;

        output.WriteLine($"taken over {takeover.TotalSeconds:0.000} s after the consumer died");
        var delivery = Assert.Single(deliveries);
        Assert.Equal(taken.Id, delivery.Id);
        Assert.Equal(2, delivery.DeliveryCount);
        // At most the heartbeat's time to live (3 s) after the last beat, plus a poll; the margin is for a loaded machine.
        Assert.InRange(takeover, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        await survivor.AcknowledgeAsync(delivery, Ct);
        Assert.Empty(await survivor.ReadAsync("survivor", 10, TimeSpan.Zero, ReclaimAfter, Ct));
        Assert.False(await redis.Redis.GetDatabase().SetContainsAsync(options.KeyPrefix + "consumers:fetchers", "dying")); // forgotten once empty
        await heartbeat.DisposeAsync(); // harmless on a dead connection
    }

    [Fact]
    public async Task ReadAsync_ConsumerRestartedUnderTheSameName_GetsItsPredecessorsJobAtOnce()
    {
        var options = RedisFixture.NewOptions();
        var firstProcess = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var first = new RedisFillQueue(firstProcess, options);
        await using (await first.StartHeartbeatAsync("pod-1", Ct))
        {
            await first.EnqueueAsync(Job("v1.0.0"), Ct);
            var taken = Assert.Single(await first.ReadAsync("pod-1", 10, TimeSpan.Zero, ReclaimAfter, Ct));
            await firstProcess.DisposeAsync(); // killed; the container restarts at once with the same host name and pid

            var second = new RedisFillQueue(redis.Redis, options);
            await using var heartbeat = await second.StartHeartbeatAsync("pod-1", Ct);
            var sinceRestart = Stopwatch.StartNew();
            var delivery = Assert.Single(await second.ReadAsync("pod-1", 10, TimeSpan.FromSeconds(10), ReclaimAfter, Ct));

            Assert.Equal((taken.Id, 2), (delivery.Id, delivery.DeliveryCount));
            Assert.InRange(sinceRestart.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
            Assert.Empty(await second.ReadAsync("pod-1", 10, TimeSpan.Zero, ReclaimAfter, Ct)); // once, not on every read
            await second.AcknowledgeAsync(delivery, Ct);
        }
    }

    [Fact]
    public async Task ReadAsync_ConsumerAlive_KeepsItsJobPastTheHeartbeatTimeToLive()
    {
        var options = RedisFixture.NewOptions();
        var queue = new RedisFillQueue(redis.Redis, options);
        await using var otherProcess = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var other = new RedisFillQueue(otherProcess, options);
        await using var heartbeat = await queue.StartHeartbeatAsync("alive", Ct);
        await queue.EnqueueAsync(Job("v1.0.0"), Ct);
        var taken = Assert.Single(await queue.ReadAsync("alive", 10, TimeSpan.Zero, ReclaimAfter, Ct));

        // Longer than the heartbeat lives without refresh: only the refreshes keep it.
        Assert.Empty(await other.ReadAsync("other", 10, options.ConsumerHeartbeatTimeToLive * 1.5, ReclaimAfter, Ct));

        var ttl = await redis.Redis.GetDatabase().KeyTimeToLiveAsync(options.KeyPrefix + "alive:fetchers:alive");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.Zero, options.ConsumerHeartbeatTimeToLive);
        await queue.AcknowledgeAsync(taken, Ct);
    }

    [Fact]
    public async Task ReadAsync_ConsumerStoppedWithJobPending_AnotherTakesItOverAtOnce()
    {
        var options = RedisFixture.NewOptions();
        var queue = new RedisFillQueue(redis.Redis, options);
        var heartbeat = await queue.StartHeartbeatAsync("stopping", Ct);
        await queue.EnqueueAsync(Job("v1.0.0"), Ct);
        var taken = Assert.Single(await queue.ReadAsync("stopping", 10, TimeSpan.Zero, ReclaimAfter, Ct));

        await heartbeat.DisposeAsync(); // a clean stop that left its job pending (a fill cancelled by shutdown)
        var sinceStop = Stopwatch.StartNew();
        var delivery = Assert.Single(await queue.ReadAsync("next", 10, TimeSpan.FromSeconds(20), ReclaimAfter, Ct));

        output.WriteLine($"taken over {sinceStop.Elapsed.TotalSeconds:0.000} s after the consumer stopped");
        Assert.Equal(taken.Id, delivery.Id);
        // No expiry to wait for; only the one-interval minimum idle time that keeps racing readers apart.
        Assert.InRange(sinceStop.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        await queue.AcknowledgeAsync(delivery, Ct);
    }

    [Fact]
    public async Task ReadAsync_TwoReadersRaceForADeadConsumer_EachJobGoesToOneOnly()
    {
        var options = RedisFixture.NewOptions();
        var queue = new RedisFillQueue(redis.Redis, options);
        var heartbeat = await queue.StartHeartbeatAsync("dead", Ct);
        for (int i = 0; i < 6; i++)
        {
            await queue.EnqueueAsync(Job($"v1.0.{i}"), Ct);
        }

        var taken = await queue.ReadAsync("dead", 10, TimeSpan.Zero, ReclaimAfter, Ct);
        Assert.Equal(6, taken.Count);
        await heartbeat.DisposeAsync();
        await using var otherProcess = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var other = new RedisFillQueue(otherProcess, options);

        var reads = await Task.WhenAll(
            Task.Run(() => queue.ReadAsync("a", 3, TimeSpan.FromSeconds(10), ReclaimAfter, Ct)),
            Task.Run(() => other.ReadAsync("b", 3, TimeSpan.FromSeconds(10), ReclaimAfter, Ct)));
        var more = await queue.ReadAsync("a", 10, TimeSpan.FromSeconds(2), ReclaimAfter, Ct);

        var ids = reads.SelectMany(r => r).Concat(more).Select(d => d.Id).ToArray();
        Assert.Equal(taken.Select(d => d.Id).Order(), ids.Order());
        Assert.All(reads.SelectMany(r => r).Concat(more), d => Assert.Equal(2, d.DeliveryCount));
    }

    [Fact]
    public async Task StartHeartbeatAsync_RedisDown_DoesNotThrowAndBeatsOnceBack()
    {
        await using var server = new ModMesh.TestSupport.Servers.RedisServer();
        await using var connection = await RedisConnection.ConnectAsync(server.ConnectionString);
        var options = RedisFixture.NewOptions();
        var queue = new RedisFillQueue(connection, options);
        server.Stop();

        await using var heartbeat = await queue.StartHeartbeatAsync("patient", Ct);
        server.Start();

        var db = connection.GetDatabase();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                if (await db.KeyExistsAsync(options.KeyPrefix + "alive:fetchers:patient"))
                {
                    return;
                }
            }
            catch (RedisConnectionException)
            {
                // still reconnecting
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail("The heartbeat did not resume within 20 s after Redis came back.");
    }
}
