using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="IForgetNotices"/> across the cluster over Redis pub/sub, on the channel "{KeyPrefix}forget" (the message
/// is the store key). Publishing while Redis is away fails like every other Redis call; the caller has already forgotten
/// the file itself.
/// </summary>
public sealed class RedisForgetNotices(IConnectionMultiplexer redis, RedisCoordinationOptions options) : IForgetNotices
{
    private readonly RedisChannel _channel = RedisChannel.Literal(options.ForgetChannel);

    /// <inheritdoc />
    public Task PublishAsync(string storeKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storeKey);
        cancellationToken.ThrowIfCancellationRequested();
        return redis.GetSubscriber().PublishAsync(_channel, storeKey);
    }

    /// <inheritdoc />
    public IDisposable Subscribe(Action<string> onForget)
    {
        ArgumentNullException.ThrowIfNull(onForget);
        Action<RedisChannel, RedisValue> handler = (_, message) =>
        {
            if (message.HasValue)
            {
                onForget(message.ToString());
            }
        };
        var subscriber = redis.GetSubscriber();
        subscriber.Subscribe(_channel, handler);
        return new Subscription(subscriber, _channel, handler);
    }

    private sealed class Subscription(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IDisposable
    {
        public void Dispose() => subscriber.Unsubscribe(channel, handler, CommandFlags.FireAndForget);
    }
}
