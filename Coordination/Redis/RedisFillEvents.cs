using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="IFillEvents"/> across the cluster over Redis pub/sub: one literal channel per key,
/// <c>modmesh:filled:{key}</c> (plain <c>SUBSCRIBE</c>, no patterns: a <c>PUBLISH</c> costs Redis O(subscribers of
/// that channel) and reaches only nodes that wait for that key, where a <c>PSUBSCRIBE modmesh:filled:*</c> would be
/// matched on every publish and deliver every event to every node). The outcome travels as JSON.
/// </summary>
/// <remarks>
/// A process holds at most one Redis subscription per key, shared by all its waiters of that key and counted locally:
/// the first waiter subscribes, the last one to leave (dispose, or the outcome arriving) unsubscribes. Every
/// subscribe/unsubscribe of a channel is issued under one lock, so they reach Redis in order and a new waiter never
/// joins a subscription that is being torn down. <see cref="SubscribeAsync"/> returns only once Redis confirmed the
/// subscription, so an event published after it returns (while the caller re-checks the store) is never missed, and
/// one published before it began is never heard. WaitAsync's timeout runs on the injected clock, exactly as in
/// <see cref="InProcess.InProcessFillEvents"/>. When Redis is unavailable, SubscribeAsync and PublishAsync throw (see
/// <see cref="RedisConnection"/>); waiters already subscribed keep waiting (bounded by their timeout), and after a
/// reconnect the multiplexer re-subscribes their channels, so they hear outcomes published from then on.
/// </remarks>
public sealed partial class RedisFillEvents : IFillEvents
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly ISubscriber _subscriber;
    private readonly RedisCoordinationOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the event hub over a shared multiplexer.</summary>
    public RedisFillEvents(
        IConnectionMultiplexer redis,
        RedisCoordinationOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisFillEvents>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _subscriber = redis.GetSubscriber();
        _options = options ?? new RedisCoordinationOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Keys with a live subscription in this process (for tests: no entry outlives its waiters).</summary>
    internal int KeyCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public async Task<IFillWaiter> SubscribeAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();

        var channel = RedisChannel.Literal(_options.FilledChannel(key));
        if (!_subscriber.IsConnected(channel))
        {
            // Joining an existing subscription needs no round trip; fail as every other call does while Redis is away.
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"No connection to Redis ({_redis.Configuration}) to subscribe to {channel}.");
        }

        Entry entry;
        var waiter = new Waiter(this);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry(this, key, channel);
                _entries.Add(key, entry);
                try
                {
                    entry.Subscribed = _subscriber.SubscribeAsync(channel, entry.Handler);
                }
                catch (Exception ex)
                {
                    entry.Subscribed = Task.FromException(ex);
                }
            }

            entry.Waiters.Add(waiter);
            waiter.Entry = entry;
        }

        try
        {
            await entry.Subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await waiter.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return waiter;
    }

    /// <inheritdoc />
    public Task PublishAsync(string key, Outcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(outcome);
        cancellationToken.ThrowIfCancellationRequested();

        string message = JsonSerializer.Serialize(outcome, RedisJsonContext.Default.Outcome);
        return _subscriber.PublishAsync(RedisChannel.Literal(_options.FilledChannel(key)), message).WaitAsync(cancellationToken);
    }

    private void OnMessage(Entry entry, RedisValue message)
    {
        Outcome? outcome;
        try
        {
            outcome = JsonSerializer.Deserialize((string?)message ?? "", RedisJsonContext.Default.Outcome);
        }
        catch (JsonException)
        {
            outcome = null;
        }

        if (outcome is null)
        {
            Log.MalformedFillEvent(_logger, entry.Channel.ToString());
            return;
        }

        HashSet<Waiter> waiters;
        lock (_gate)
        {
            if (!_entries.TryGetValue(entry.Key, out var current) || current != entry)
            {
                return; // a late delivery to a subscription already torn down.
            }

            // Every current waiter gets this outcome and is then done: they all leave the key together.
            _entries.Remove(entry.Key);
            waiters = entry.Waiters;
            entry.Waiters = [];
            Unsubscribe(entry);
        }

        foreach (var waiter in waiters)
        {
            waiter.Complete(outcome);
        }
    }

    private void Unregister(Waiter waiter)
    {
        lock (_gate)
        {
            var entry = waiter.Entry;
            if (entry is not null && entry.Waiters.Remove(waiter) && entry.Waiters.Count == 0 &&
                _entries.TryGetValue(entry.Key, out var current) && current == entry)
            {
                _entries.Remove(entry.Key);
                Unsubscribe(entry);
            }
        }
    }

    /// <summary>
    /// Drops the entry's handler (and, being the last, the Redis subscription). Called under the lock. While the
    /// entry's SUBSCRIBE is still unanswered this waits for the answer first: StackExchange.Redis sends no UNSUBSCRIBE
    /// for a subscription it has not seen confirmed, and the late confirmation would leave Redis sending this process
    /// every event of the key for good.
    /// </summary>
    private void Unsubscribe(Entry entry)
    {
        if (!entry.Subscribed.IsCompleted)
        {
            entry.Subscribed.ContinueWith(
                static (_, state) =>
                {
                    var (owner, late) = ((RedisFillEvents, Entry))state!;
                    lock (owner._gate)
                    {
                        owner.Unsubscribe(late);
                    }
                },
                (this, entry),
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
            return;
        }

        try
        {
            // Removes the handler locally at once; the UNSUBSCRIBE itself is best effort (a restarted Redis has none).
            _ = _subscriber.UnsubscribeAsync(entry.Channel, entry.Handler, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Redis is away: the subscription died with the connection, and the handler is already removed.
        }
    }

    /// <summary>This process's subscription to one key: its channel, its Redis handler and its waiters.</summary>
    private sealed class Entry
    {
        public Entry(RedisFillEvents owner, string key, RedisChannel channel)
        {
            Key = key;
            Channel = channel;
            Handler = (_, message) => owner.OnMessage(this, message);
        }

        public string Key { get; }

        public RedisChannel Channel { get; }

        public Action<RedisChannel, RedisValue> Handler { get; }

        public Task Subscribed { get; set; } = Task.CompletedTask;

        public HashSet<Waiter> Waiters { get; set; } = [];
    }

    private sealed class Waiter(RedisFillEvents owner) : FillWaiter(owner._timeProvider)
    {
        public Entry? Entry { get; set; }

        protected override void Unregister() => owner.Unregister(this);
    }

    private static partial class Log
    {
        [LoggerMessage(RedisEventIds.MalformedFillEvent, LogLevel.Warning, "Ignored a malformed fill event on {Channel}.")]
        public static partial void MalformedFillEvent(ILogger logger, string channel);
    }
}
