using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="INegativeCache"/> across the cluster: <c>SET modmesh:neg:{key} {message} PX {ttl}</c>, <c>GET</c>,
/// <c>DEL</c>; Redis expires the entries. Redis failures throw (see <see cref="RedisConnection"/>).
/// </summary>
public sealed class RedisNegativeCache : INegativeCache
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisCoordinationOptions _options;

    /// <summary>Creates the cache over a shared multiplexer.</summary>
    public RedisNegativeCache(IConnectionMultiplexer redis, RedisCoordinationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _options = options ?? new RedisCoordinationOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public Task SetAsync(string key, string message, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        var ttl = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(timeToLive.TotalMilliseconds)));
        return _redis.GetDatabase().StringSetAsync(_options.NegativeKey(key), message, ttl).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();

        var value = await _redis.GetDatabase().StringGetAsync(_options.NegativeKey(key)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (string?)value;
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();

        return _redis.GetDatabase().KeyDeleteAsync(_options.NegativeKey(key)).WaitAsync(cancellationToken);
    }
}
