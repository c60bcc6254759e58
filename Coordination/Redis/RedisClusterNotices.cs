using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModMesh.Coordination.InProcess;
using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="IClusterNotices"/> over one Redis pub/sub channel, <c>{KeyPrefix}notices</c>, that every process
/// subscribes to (notices are rare: purges). A publish goes to Redis, which delivers it to every subscriber, this
/// process included; while Redis is unreachable it is delivered in this process only (the caller is told nothing
/// failed: the other nodes learn what a notice says from the store, see <see cref="IClusterNotices"/>). After a
/// reconnect the multiplexer re-subscribes the channel by itself.
/// </summary>
public sealed partial class RedisClusterNotices(IConnectionMultiplexer redis, RedisCoordinationOptions options, ILogger<RedisClusterNotices>? logger = null) : IClusterNotices
{
    private readonly InProcessClusterNotices _local = new();
    private readonly RedisChannel _channel = RedisChannel.Literal(options.KeyPrefix + "notices");
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <inheritdoc />
    public async Task PublishAsync(string notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(notice.Length, ClusterNotices.MaxLength, nameof(notice));
        try
        {
            await redis.GetSubscriber().PublishAsync(_channel, notice).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex) || ex is TimeoutException or IOException)
        {
            Log.NoticeNotShared(_logger, ex.Message);
            await _local.PublishAsync(notice, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable> SubscribeAsync(Action<string> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var local = await _local.SubscribeAsync(handler, cancellationToken).ConfigureAwait(false);
        Action<RedisChannel, RedisValue> onMessage = (_, message) =>
        {
            var text = (string?)message;
            if (text is { Length: > 0 and <= ClusterNotices.MaxLength })
            {
                handler(text);
            }
        };
        var subscriber = redis.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(_channel, onMessage).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex) || ex is TimeoutException or IOException)
        {
            // Registered with the multiplexer all the same: it subscribes once Redis answers.
            Log.NoticeNotShared(_logger, ex.Message);
        }

        return new Subscription(local, subscriber, _channel, onMessage);
    }

    private sealed class Subscription(IAsyncDisposable local, ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await local.DisposeAsync().ConfigureAwait(false);
            try
            {
                await subscriber.UnsubscribeAsync(channel, handler, CommandFlags.FireAndForget).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                // Redis is away: the subscription died with the connection.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(RedisEventIds.NoticeNotShared, LogLevel.Warning, "A cluster notice could not go through Redis (this process only): {Reason}")]
        public static partial void NoticeNotShared(ILogger logger, string reason);
    }
}
