using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="IFillQueue"/> across the cluster: the Redis stream <c>modmesh:fills</c> read by the consumer group
/// <c>fetchers</c> (created idempotently, with <c>MKSTREAM</c>, from the stream's start so jobs added before any
/// fetcher existed are read too). Enqueue is <c>XADD MAXLEN ~ 100000</c> with the job as JSON in the field
/// <c>job</c>. Read is <c>XAUTOCLAIM</c> of entries pending longer than the reclaim time (their delivery counts come
/// from <c>XPENDING</c>), then <c>XREADGROUP &gt;</c>; StackExchange.Redis cannot block on <c>XREADGROUP</c>, so the
/// read polls every <see cref="RedisCoordinationOptions.PollInterval"/> until the wait runs out. Acknowledge is
/// <c>XACK</c> + <c>XDEL</c>, so the stream holds only unfinished jobs.
/// </summary>
/// <remarks>
/// Redis failures throw (see <see cref="RedisConnection"/>). When Redis lost the group (a restarted server without
/// persistence: its jobs are gone too, and their waiters time out and ask again), the next read re-creates it.
/// A malformed entry is logged, acknowledged and deleted, so it cannot jam the group.
/// </remarks>
public sealed partial class RedisFillQueue : IFillQueue
{
    private const string JobField = "job";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisCoordinationOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RedisKey _stream;
    private volatile bool _groupReady;

    /// <summary>Creates the queue over a shared multiplexer.</summary>
    public RedisFillQueue(
        IConnectionMultiplexer redis,
        RedisCoordinationOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisFillQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _options = options ?? new RedisCoordinationOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _stream = _options.FillStream;
    }

    /// <inheritdoc />
    public Task EnqueueAsync(FillJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();

        string json = JsonSerializer.Serialize(job, RedisJsonContext.Default.FillJob);
        return _redis.GetDatabase()
            .StreamAddAsync(_stream, JobField, json, messageId: null, maxLength: _options.StreamMaxLength, useApproximateMaxLength: true)
            .WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<FillJobDelivery>> ReadAsync(
        string consumer, int maxCount, TimeSpan wait, TimeSpan reclaimAfter, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxCount, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(reclaimAfter, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        long started = _timeProvider.GetTimestamp();
        var taken = new List<FillJobDelivery>();
        await WithGroupAsync(() => ReclaimAsync(consumer, maxCount, reclaimAfter, taken, cancellationToken), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (taken.Count < maxCount)
            {
                await WithGroupAsync(() => ReadNewAsync(consumer, maxCount - taken.Count, taken, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            var remaining = wait - _timeProvider.GetElapsedTime(started);
            if (taken.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return taken;
            }

            await Task.Delay(remaining < _options.PollInterval ? remaining : _options.PollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task AcknowledgeAsync(FillJobDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        cancellationToken.ThrowIfCancellationRequested();

        await AckAndDeleteAsync(delivery.Id).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReclaimAsync(string consumer, int maxCount, TimeSpan reclaimAfter, List<FillJobDelivery> taken, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        var claim = await db.StreamAutoClaimAsync(_stream, _options.ConsumerGroup, consumer, (long)reclaimAfter.TotalMilliseconds, "0-0", maxCount)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var claimed = claim.ClaimedEntries.Where(e => !e.IsNull).ToArray();
        if (claimed.Length == 0)
        {
            return;
        }

        // XAUTOCLAIM raised each delivery count; read them back. An entry another consumer claimed in between is
        // not ours any more and is left out.
        var pending = await db.StreamPendingMessagesAsync(_stream, _options.ConsumerGroup, claimed.Length, consumer, claimed[0].Id, claimed[^1].Id)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var counts = pending.ToDictionary(p => (string)p.MessageId!, p => p.DeliveryCount, StringComparer.Ordinal);
        foreach (var entry in claimed)
        {
            if (counts.TryGetValue((string)entry.Id!, out int count))
            {
                await AddAsync(entry, count, taken).ConfigureAwait(false);
            }
        }
    }

    private async Task ReadNewAsync(string consumer, int count, List<FillJobDelivery> taken, CancellationToken cancellationToken)
    {
        var entries = await _redis.GetDatabase()
            .StreamReadGroupAsync(_stream, _options.ConsumerGroup, consumer, StreamPosition.NewMessages, count)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            if (!entry.IsNull)
            {
                await AddAsync(entry, 1, taken).ConfigureAwait(false);
            }
        }
    }

    private async Task AddAsync(StreamEntry entry, int deliveryCount, List<FillJobDelivery> taken)
    {
        string id = entry.Id!;
        FillJob? job;
        try
        {
            job = entry[JobField] is { IsNull: false } json ? JsonSerializer.Deserialize((string)json!, RedisJsonContext.Default.FillJob) : null;
        }
        catch (JsonException)
        {
            job = null;
        }

        if (job is null)
        {
            Log.MalformedFillJob(_logger, id, (string)_stream!);
            await AckAndDeleteAsync(id).ConfigureAwait(false);
            return;
        }

        taken.Add(new FillJobDelivery(id, job, deliveryCount));
    }

    private Task AckAndDeleteAsync(string id)
    {
        var db = _redis.GetDatabase();
        return Task.WhenAll(AcknowledgeAsync(db.StreamAcknowledgeAsync(_stream, _options.ConsumerGroup, id)), db.StreamDeleteAsync(_stream, [id]));

        static async Task AcknowledgeAsync(Task<long> ack)
        {
            try
            {
                await ack.ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (IsNoGroup(ex))
            {
                // Redis lost the group (and the job with it): nothing left to acknowledge.
            }
        }
    }

    /// <summary>Runs a group command, creating the group first when needed (once, or again when Redis lost it).</summary>
    private async Task WithGroupAsync(Func<Task> command, CancellationToken cancellationToken)
    {
        if (!_groupReady)
        {
            await EnsureGroupAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await command().ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsNoGroup(ex))
        {
            _groupReady = false;
            await EnsureGroupAsync(cancellationToken).ConfigureAwait(false);
            await command().ConfigureAwait(false);
        }
    }

    private async Task EnsureGroupAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _redis.GetDatabase()
                .StreamCreateConsumerGroupAsync(_stream, _options.ConsumerGroup, StreamPosition.Beginning, createStream: true)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.ConsumerGroupCreated(_logger, _options.ConsumerGroup, (string)_stream!);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another node (or an earlier call) made it.
        }

        _groupReady = true;
    }

    private static bool IsNoGroup(RedisServerException ex) => ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(RedisEventIds.MalformedFillJob, LogLevel.Warning, "Dropped the malformed fill job {Id} from {Stream}.")]
        public static partial void MalformedFillJob(ILogger logger, string id, string stream);

        [LoggerMessage(RedisEventIds.ConsumerGroupCreated, LogLevel.Information, "Created the consumer group {Group} on {Stream}.")]
        public static partial void ConsumerGroupCreated(ILogger logger, string group, string stream);
    }
}
