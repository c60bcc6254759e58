using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="ILockProvider"/> across the cluster: <c>SET modmesh:lock:{resource} {token} NX PX {ttl}</c>; renew and
/// release are Lua scripts that act only while the key still holds the lease's token, so a lease that expired (and was
/// maybe taken by another node) can neither extend nor delete the new owner's lock. Redis failures throw (see
/// <see cref="RedisConnection"/>); disposing a lease never throws (when Redis is away the TTL frees the lock).
/// </summary>
public sealed class RedisLockProvider : ILockProvider
{
    private const string RenewScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

    private const string ReleaseScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisCoordinationOptions _options;

    /// <summary>Creates the provider over a shared multiplexer.</summary>
    public RedisLockProvider(IConnectionMultiplexer redis, RedisCoordinationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _options = options ?? new RedisCoordinationOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public async Task<ILockLease?> TryAcquireAsync(string resource, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        string token = Guid.NewGuid().ToString("N");
        RedisKey key = _options.LockKey(resource);
        var db = _redis.GetDatabase();
        var set = db.StringSetAsync(key, token, WholeMilliseconds(timeToLive), When.NotExists);
        bool taken;
        try
        {
            taken = await set.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The SET may still succeed: then give the lock back at once rather than block others for the whole TTL.
            _ = set.ContinueWith(
                t => t.IsCompletedSuccessfully && t.Result
                    ? db.ScriptEvaluateAsync(ReleaseScript, [key], [token], CommandFlags.FireAndForget)
                    : Task.CompletedTask,
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
            throw;
        }

        return taken ? new Lease(this, resource, key, token) : null;
    }

    /// <summary>At least 1 ms, rounded up: Redis counts TTLs in whole milliseconds.</summary>
    private static TimeSpan WholeMilliseconds(TimeSpan ttl) => TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(ttl.TotalMilliseconds)));

    private async Task<bool> RunOwnedAsync(string script, RedisKey key, string token, long? milliseconds, CancellationToken cancellationToken)
    {
        RedisValue[] args = milliseconds is { } ms ? [token, ms] : [token];
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(script, [key], args)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    private sealed class Lease(RedisLockProvider owner, string resource, RedisKey key, string token) : ILockLease
    {
        private int _settled;

        public string Resource { get; } = resource;

        public string Token { get; } = token;

        public Task<bool> RenewAsync(TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
            cancellationToken.ThrowIfCancellationRequested();
            long ms = (long)WholeMilliseconds(timeToLive).TotalMilliseconds;
            return owner.RunOwnedAsync(RenewScript, key, Token, ms, cancellationToken);
        }

        public async Task<bool> ReleaseAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool released = await owner.RunOwnedAsync(ReleaseScript, key, Token, null, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _settled, 1); // either released now or not ours any more: disposal has nothing to do.
            return released;
        }

        public async ValueTask DisposeAsync()
        {
            if (Volatile.Read(ref _settled) != 0)
            {
                return;
            }

            try
            {
                await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                // Redis is away: the lock frees itself when its TTL runs out.
            }
        }
    }
}
