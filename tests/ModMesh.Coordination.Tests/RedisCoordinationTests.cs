using ModMesh.Coordination.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>The coordination conformance suite against the Redis implementations and a real redis-server, on real time.</summary>
public sealed class RedisCoordinationConformanceTests(RedisFixture redis) : CoordinationConformanceTests, IClassFixture<RedisFixture>
{
    protected override Task<(ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue)> CreateAsync()
    {
        var options = RedisFixture.NewOptions();
        return Task.FromResult<(ILockProvider, IFillEvents, INegativeCache, IFillQueue)>((
            new RedisLockProvider(redis.Redis, options),
            new RedisFillEvents(redis.Redis, options),
            new RedisNegativeCache(redis.Redis, options),
            new RedisFillQueue(redis.Redis, options)));
    }

    protected override Task AdvanceTimeAsync(TimeSpan by) => Task.Delay(by, Ct);
}
