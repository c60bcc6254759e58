using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// What only Redis can show: two nodes (two multiplexers) sharing one server, the cluster-wide names, local
/// bookkeeping of subscriptions, malformed data, connection defaults and DI wiring.
/// </summary>
public sealed class RedisCoordinationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static FillJob Job(string version) => new("example.com/m", version, "example.com/m", version, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task TryAcquireAsync_TwoNodesContend_ExactlyOneWinsAndOnlyItsOwnerReleases()
    {
        await using var otherNode = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var options = RedisFixture.NewOptions();
        var nodeA = new RedisLockProvider(redis.Redis, options);
        var nodeB = new RedisLockProvider(otherNode, options);
        string resource = "example.com/m@v1.0.0";

        var attempts = Enumerable.Range(0, 40)
            .Select(i => Task.Run(() => (i % 2 == 0 ? nodeA : nodeB).TryAcquireAsync(resource, Long, Ct)));
        var leases = await Task.WhenAll(attempts);

        var winner = Assert.Single(leases, l => l is not null)!;
        var loserNode = Array.IndexOf(leases, winner) % 2 == 0 ? nodeB : nodeA;
        Assert.Null(await loserNode.TryAcquireAsync(resource, Long, Ct));
        Assert.True(await winner.ReleaseAsync(Ct));
        var next = await loserNode.TryAcquireAsync(resource, TimeSpan.FromMilliseconds(300), Ct);
        Assert.NotNull(next);
        Assert.False(await winner.ReleaseAsync(Ct));
        Assert.False(await winner.RenewAsync(Long, Ct));
        Assert.True(await next.RenewAsync(Long, Ct));
        Assert.True(await next.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task Coordinators_DefaultOptions_UseTheClusterWideNames()
    {
        var db = redis.Redis.GetDatabase();
        string id = Guid.NewGuid().ToString("N");

        await using var lease = await new RedisLockProvider(redis.Redis).TryAcquireAsync($"r{id}", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(lease!.Token, (string?)await db.StringGetAsync($"modmesh:lock:r{id}"));
        var ttl = await db.KeyTimeToLiveAsync($"modmesh:lock:r{id}");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10));

        await new RedisNegativeCache(redis.Redis).SetAsync($"n{id}", "gone", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("gone", (string?)await db.StringGetAsync($"modmesh:neg:n{id}"));

        var raw = redis.Redis.GetSubscriber();
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await raw.SubscribeAsync(RedisChannel.Literal($"modmesh:filled:f{id}"), (_, message) => heard.TrySetResult((string)message!));
        await new RedisFillEvents(redis.Redis).PublishAsync($"f{id}", new Outcome(OutcomeKind.NotFound, "404"), Ct);
        Assert.Equal("""{"kind":"NotFound","message":"404"}""", await heard.Task.WaitAsync(Long, Ct));
        await raw.UnsubscribeAsync(RedisChannel.Literal($"modmesh:filled:f{id}"));

        var queue = new RedisFillQueue(redis.Redis, new RedisCoordinationOptions { JobSigningKey = RedisFixture.NewSigningKey() });
        await queue.EnqueueAsync(Job($"v0.0.0-{id}"), Ct);
        var delivery = Assert.Single(await queue.ReadAsync("fetcher", 10, TimeSpan.Zero, Long, Ct));
        Assert.Contains(await db.StreamGroupInfoAsync("modmesh:fills"), g => g.Name == "fetchers");
        await queue.AcknowledgeAsync(delivery, Ct);
        Assert.Equal(0, await db.StreamLengthAsync("modmesh:fills")); // XACK + XDEL: only unfinished jobs stay
    }

    [Fact]
    public async Task FillEvents_TwoNodes_WaiterOnOneHearsPublishOnOther()
    {
        await using var otherNode = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var options = RedisFixture.NewOptions();
        var waiting = new RedisFillEvents(redis.Redis, options);
        var filling = new RedisFillEvents(otherNode, options);

        await using var first = await waiting.SubscribeAsync("k", Ct);
        await using var second = await waiting.SubscribeAsync("k", Ct);
        var waits = new[] { first.WaitAsync(Long, Ct), second.WaitAsync(Long, Ct) };
        await filling.PublishAsync("k", new Outcome(OutcomeKind.UpstreamFailed, "checksum mismatch"), Ct);

        Assert.All(await Task.WhenAll(waits), o => Assert.Equal(new Outcome(OutcomeKind.UpstreamFailed, "checksum mismatch"), o));
        Assert.Equal(0, waiting.KeyCount);
    }

    [Fact]
    public async Task FillQueue_TwoNodes_ProducerOnOneConsumerOnOther()
    {
        await using var otherNode = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var options = RedisFixture.NewOptions();
        var producer = new RedisFillQueue(redis.Redis, options);
        var consumer = new RedisFillQueue(otherNode, options);

        var read = consumer.ReadAsync("fetcher-b", 10, Long, Long, Ct);
        await producer.EnqueueAsync(Job("v1.0.0"), Ct);

        var delivery = Assert.Single(await read);
        Assert.Equal(Job("v1.0.0"), delivery.Job);
        await consumer.AcknowledgeAsync(delivery, Ct);
    }

    [Fact]
    public async Task FillEvents_LastWaiterDisposed_DropsLocalEntryAndRedisSubscription()
    {
        var options = RedisFixture.NewOptions();
        var events = new RedisFillEvents(redis.Redis, options);
        var channel = RedisChannel.Literal(options.KeyPrefix + "filled:k");
        var first = await events.SubscribeAsync("k", Ct);
        var second = await events.SubscribeAsync("k", Ct);
        Assert.Equal(1, events.KeyCount);
        Assert.Equal(1, await SubscriberCountAsync(channel)); // one Redis subscription shared by both waiters

        await first.DisposeAsync();
        Assert.Equal(1, events.KeyCount);
        await second.DisposeAsync();

        Assert.Equal(0, events.KeyCount);
        await WaitUntilAsync(async () => await SubscriberCountAsync(channel) == 0);
    }

    [Fact]
    public async Task FillEvents_ConcurrentSubscribePublishDispose_PublishersHearAndNothingLeaks()
    {
        var options = RedisFixture.NewOptions();
        var events = new RedisFillEvents(redis.Redis, options);

        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { CancellationToken = Ct, MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            string key = $"k{i % 5}";
            await using var waiter = await events.SubscribeAsync(key, ct);
            if (i % 3 == 0)
            {
                await events.PublishAsync(key, Outcome.Ok, ct);
                Assert.Equal(OutcomeKind.Ok, (await waiter.WaitAsync(Long, ct)).Kind); // its own publish, at least
            }
        });

        Assert.Equal(0, events.KeyCount);
        for (int k = 0; k < 5; k++)
        {
            var channel = RedisChannel.Literal(options.KeyPrefix + $"filled:k{k}");
            await WaitUntilAsync(async () => await SubscriberCountAsync(channel) == 0);
        }
    }

    [Fact]
    public async Task FillEvents_MalformedMessage_IsIgnored()
    {
        var options = RedisFixture.NewOptions();
        var events = new RedisFillEvents(redis.Redis, options);
        await using var waiter = await events.SubscribeAsync("k", Ct);
        var wait = waiter.WaitAsync(Long, Ct);

        await redis.Redis.GetSubscriber().PublishAsync(RedisChannel.Literal(options.KeyPrefix + "filled:k"), "{not json");
        await events.PublishAsync("k", Outcome.Ok, Ct);

        Assert.Equal(Outcome.Ok, await wait);
    }

    [Fact]
    public async Task ReadAsync_MalformedEntry_IsDroppedAndNextJobDelivered()
    {
        var options = RedisFixture.NewOptions();
        var queue = new RedisFillQueue(redis.Redis, options);
        var db = redis.Redis.GetDatabase();
        await db.StreamAddAsync(options.KeyPrefix + "fills", "job", "{not json");
        await db.StreamAddAsync(options.KeyPrefix + "fills", "other", "field");
        await queue.EnqueueAsync(Job("v1.0.0"), Ct);

        var delivery = Assert.Single(await queue.ReadAsync("a", 10, TimeSpan.Zero, Long, Ct));

        Assert.Equal("v1.0.0", delivery.Job.Version);
        await queue.AcknowledgeAsync(delivery, Ct);
        Assert.Equal(0, await db.StreamLengthAsync(options.KeyPrefix + "fills"));
    }

    [Fact]
    public async Task ReadAsync_WaitRunsOut_ReturnsAfterAboutTheWait()
    {
        var queue = new RedisFillQueue(redis.Redis, RedisFixture.NewOptions());
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.Empty(await queue.ReadAsync("a", 10, TimeSpan.FromMilliseconds(400), Long, Ct));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(380), TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public void CreateConfiguration_AppliesOutageDefaultsButKeepsExplicitSettings()
    {
        var defaults = RedisConnection.CreateConfiguration("127.0.0.1:6379");
        var explicitOnes = RedisConnection.CreateConfiguration("127.0.0.1:6379,connectTimeout=7000,syncTimeout=6000,asyncTimeout=5000,abortConnect=true");

        Assert.Equal((2000, 2000, 2000), (defaults.ConnectTimeout, defaults.SyncTimeout, defaults.AsyncTimeout));
        Assert.False(defaults.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, defaults.BacklogPolicy);
        Assert.Equal((7000, 6000, 5000), (explicitOnes.ConnectTimeout, explicitOnes.SyncTimeout, explicitOnes.AsyncTimeout));
        Assert.False(explicitOnes.AbortOnConnectFail); // a service must start while Redis is down
    }

    [Fact]
    public void IsUnavailable_RedisOutagesYesOtherErrorsNo()
    {
        Assert.True(RedisConnection.IsUnavailable(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "down")));
        Assert.True(RedisConnection.IsUnavailable(new RedisTimeoutException("slow", CommandStatus.Sent)));
        Assert.True(RedisConnection.IsUnavailable(new RedisServerException("LOADING Redis is loading the dataset in memory")));
        Assert.False(RedisConnection.IsUnavailable(new RedisServerException("WRONGTYPE Operation against a key holding the wrong kind of value")));
        Assert.False(RedisConnection.IsUnavailable(new InvalidOperationException()));
    }

    [Fact]
    public async Task AddRedisCoordination_AfterInProcess_ReplacesAllFourAndSharesOneMultiplexer()
    {
        var services = new ServiceCollection();
        services.AddInProcessCoordination();
        services.AddRedisCoordination(redis.Server.ConnectionString, o =>
        {
            o.KeyPrefix = $"di:{Guid.NewGuid():N}:";
            o.JobSigningKey = RedisFixture.NewSigningKey();
        });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        Assert.IsType<RedisLockProvider>(provider.GetRequiredService<ILockProvider>());
        Assert.IsType<RedisFillEvents>(provider.GetRequiredService<IFillEvents>());
        Assert.IsType<RedisNegativeCache>(provider.GetRequiredService<INegativeCache>());
        Assert.IsType<RedisFillQueue>(provider.GetRequiredService<IFillQueue>());
        Assert.Single(services, d => d.ServiceType == typeof(ILockProvider));
        Assert.Same(provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<IConnectionMultiplexer>());

        await using var lease = await provider.GetRequiredService<ILockProvider>().TryAcquireAsync("r", Long, Ct);
        Assert.NotNull(lease);
    }

    [Fact]
    public async Task AddRedisCoordination_InvalidOptions_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddRedisCoordination(redis.Server.ConnectionString, o =>
        {
            o.PollInterval = TimeSpan.Zero;
            o.JobSigningKey = RedisFixture.NewSigningKey();
        });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisCoordinationOptions>>().Value);
        Assert.Contains("PollInterval", error.Message, StringComparison.Ordinal);
    }

    private async Task<long> SubscriberCountAsync(RedisChannel channel)
    {
        var result = await redis.Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", (string)channel!);
        return (long)((RedisResult[])result!)[1];
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail("The condition did not become true within 5 s.");
    }
}
