using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// <see cref="IFillQueue"/> across the cluster: the Redis stream <c>modmesh:fills</c> read by the consumer group
/// <c>fetchers</c> (created idempotently, with <c>MKSTREAM</c>, from the stream's start so jobs added before any
/// fetcher existed are read too). Enqueue is <c>XADD MAXLEN ~ 100000</c> with the job as JSON in the field
/// <c>job</c> and its signature (<see cref="FillJobSigner"/>) in the field <c>sig</c>. Read takes, in this order:
/// jobs pending with a consumer whose heartbeat is gone (<c>XCLAIM</c>, at once), jobs pending longer than the reclaim
/// time (<c>XAUTOCLAIM</c>, the fallback for consumers that never sent a heartbeat), then new ones
/// (<c>XREADGROUP &gt;</c>); delivery counts of claimed entries come from <c>XPENDING</c>. Acknowledge is <c>XACK</c> +
/// <c>XDEL</c>, so the stream holds only unfinished jobs.
/// </summary>
/// <remarks>
/// <para>
/// Waiting: StackExchange.Redis cannot block on <c>XREADGROUP</c>, so after a successful <c>XADD</c> an enqueue
/// publishes the new entry's id on the channel <c>modmesh:fills:added</c>, and a read with nothing to take waits for
/// that notice and reads again at once. Each queue instance subscribes once (lazily, on its first read that may wait;
/// the read awaits the subscription's confirmation, so a job enqueued after a read began waiting wakes it), and every
/// notice wakes every read waiting in this process (a shared generation, replaced on each notice); those that find
/// nothing wait again. The notice only wakes: its content is ignored, and jobs are read and signature-checked from the
/// stream as always (the subscription lasts as long as the multiplexer, which re-subscribes after a reconnect). The
/// fallback is polling every <see cref="RedisCoordinationOptions.PollInterval"/> (looking for dead consumers at each
/// poll, not on a notice) until the wait runs out, so a lost notice (a failed publish, a restarting Redis, a
/// subscription not up yet) delays a job by at most one poll and never loses it. A failed publish does not fail the
/// enqueue (the job is in the stream); it is logged at Debug.
/// </para>
/// <para>
/// Trust: a job is delivered only when its signature checks out under the shared key. An unsigned, malformed or
/// forged entry (someone with write access to Redis but not the key) is logged, counted
/// (<c>modmesh.fill.jobs.rejected</c>, tag <c>reason</c>), acknowledged and deleted: it never reaches a fetcher and
/// cannot jam the group.
/// </para>
/// <para>
/// Liveness: <see cref="StartHeartbeatAsync"/> adds the consumer to the set <c>modmesh:consumers:fetchers</c> and keeps
/// <c>modmesh:alive:fetchers:{consumer}</c> alive (<c>SET PX</c> every
/// <see cref="RedisCoordinationOptions.ConsumerHeartbeatInterval"/>, time to live
/// <see cref="RedisCoordinationOptions.ConsumerHeartbeatTimeToLive"/>). A member of the set without that key is dead:
/// readers claim its pending jobs (with a minimum idle time of one heartbeat interval, so two readers racing for the
/// same dead consumer cannot steal a job from each other) and drop it from the set once it has none left. A consumer
/// that starts a heartbeat under a name that still has pending jobs (a restarted container: same host name, pid 1)
/// takes those back on its first read: a process has nothing in flight before it read anything.
/// </para>
/// <para>
/// Redis failures throw (see <see cref="RedisConnection"/>). When Redis lost the group (a restarted server without
/// persistence: its jobs are gone too, and their waiters time out and ask again), the next read re-creates it.
/// </para>
/// </remarks>
public sealed partial class RedisFillQueue : IFillQueue, IFillQueueDepth
{
    /// <summary>The meter of the Redis fill queue's counters.</summary>
    public const string MeterName = "ModMesh.Coordination";

    internal const string JobField = "job";
    internal const string SignatureField = "sig";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisCoordinationOptions _options;
    private readonly FillJobSigner _signer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RedisKey _stream;
    private readonly RedisChannel _wakeChannel;
    private readonly Action<RedisChannel, RedisValue> _onWake;
    private readonly Lock _wakeGate = new();
    // The current generation of waiting readers: completed (and replaced) by each "added" notice, waking all of them.
    private TaskCompletionSource _wake = NewWakeGeneration();
    // The subscription to the "added" channel: true once confirmed; false after a failure (the next read tries again).
    private Task<bool>? _wakeSubscription;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _takenOver;
    // Consumers that started a heartbeat here and have not read yet: what is pending under their name at that point
    // was left by an earlier process of the same name (a restarted container keeps host name and pid 1).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _restarted = new(StringComparer.Ordinal);
    private volatile bool _groupReady;

    /// <summary>
    /// Creates the queue over a shared multiplexer. <paramref name="options"/> must carry the job-signing key
    /// (<see cref="RedisCoordinationOptions.JobSigningKey"/>): without one this throws <see cref="ArgumentException"/>.
    /// </summary>
    public RedisFillQueue(
        IConnectionMultiplexer redis,
        RedisCoordinationOptions options,
        TimeProvider? timeProvider = null,
        ILogger<RedisFillQueue>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(requireSigningKey: true);
        _redis = redis;
        _options = options;
        _signer = FillJobSigner.FromBase64(options.JobSigningKey);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _stream = _options.FillStream;
        _wakeChannel = RedisChannel.Literal(_options.FillAddedChannel);
        _onWake = (_, _) => Interlocked.Exchange(ref _wake, NewWakeGeneration()).TrySetResult();
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _rejected = meter.CreateCounter<long>("modmesh.fill.jobs.rejected", description: "Fill jobs read from Redis and dropped undelivered, by reason (unsigned, malformed, forged).");
        _takenOver = meter.CreateCounter<long>("modmesh.fill.jobs.taken_over", description: "Fill jobs taken from a consumer whose heartbeat was gone.");
    }

    /// <inheritdoc />
    public async Task EnqueueAsync(FillJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();

        string json = JsonSerializer.Serialize(job, RedisJsonContext.Default.FillJob);
        NameValueEntry[] fields = [new(JobField, json), new(SignatureField, _signer.Sign(job))];
        var id = await _redis.GetDatabase()
            .StreamAddAsync(_stream, fields, messageId: null, maxLength: _options.StreamMaxLength, useApproximateMaxLength: true)
            .WaitAsync(cancellationToken).ConfigureAwait(false);

        // The job is in the stream: the enqueue has succeeded, whatever happens to the notice (not cancelled from here
        // on; bounded by the multiplexer's timeout). A lost notice costs a waiting reader at most one poll.
        try
        {
            await _redis.GetSubscriber().PublishAsync(_wakeChannel, id).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.WakeUpPublishFailed(_logger, _wakeChannel.ToString(), ex.Message);
        }
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
        if (wait > TimeSpan.Zero)
        {
            // Confirmed before the first look at the stream's new entries: from then on an enqueue wakes this read.
            await SubscribeToWakeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var taken = new List<FillJobDelivery>();
        if (_restarted.ContainsKey(consumer))
        {
            // A process has nothing in flight before its first read: jobs pending under its name are its
            // predecessor's. Take them again at once (all of them over the next reads), not after the reclaim time.
            int want = maxCount, found = 0;
            await WithGroupAsync(async () => found = await TakeOverAsync(consumer, consumer, want, 0, taken, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            if (found < want)
            {
                _restarted.TryRemove(consumer, out _);
            }
        }

        if (taken.Count < maxCount)
        {
            await WithGroupAsync(() => TakeOverDeadAsync(consumer, maxCount, taken, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        if (taken.Count < maxCount)
        {
            await WithGroupAsync(() => ReclaimAsync(consumer, maxCount - taken.Count, reclaimAfter, taken, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        bool polled = false;
        while (true)
        {
            if (polled && taken.Count < maxCount)
            {
                await WithGroupAsync(() => TakeOverDeadAsync(consumer, maxCount, taken, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            // Taken before looking: a job added after this look publishes its notice after it, which completes this
            // generation (or a later look finds the job).
            var woken = Volatile.Read(ref _wake).Task;
            if (taken.Count < maxCount)
            {
                await WithGroupAsync(() => ReadNewAsync(consumer, maxCount - taken.Count, taken, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            var remaining = wait - _timeProvider.GetElapsedTime(started);
            if (taken.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return taken;
            }

            // Woken by a notice, only new entries are worth a look; after a poll (or the wait's end), dead consumers' too.
            polled = !await WaitForNoticeAsync(woken, remaining < _options.PollInterval ? remaining : _options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task AcknowledgeAsync(FillJobDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        cancellationToken.ThrowIfCancellationRequested();

        await AckAndDeleteAsync(delivery.Id).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>XLEN</c> (acknowledged jobs are deleted, so the stream holds exactly the unfinished ones) and the id of the
    /// first entry (<c>XRANGE - + COUNT 1</c>), whose millisecond part is when Redis took it.
    /// </remarks>
    public async Task<FillQueueDepth> MeasureAsync(CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        var length = db.StreamLengthAsync(_stream);
        var first = db.StreamRangeAsync(_stream, "-", "+", count: 1);
        await Task.WhenAll(length, first).WaitAsync(cancellationToken).ConfigureAwait(false);
        var entries = await first.ConfigureAwait(false);
        var jobs = await length.ConfigureAwait(false);
        if (jobs == 0 || entries.Length == 0 || entries[0].IsNull)
        {
            return new FillQueueDepth(jobs, null);
        }

        var (milliseconds, _) = StreamIdOrder(entries[0].Id);
        if (milliseconds == long.MaxValue)
        {
            return new FillQueueDepth(jobs, null);
        }

        var age = _timeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return new FillQueueDepth(jobs, age < TimeSpan.Zero ? TimeSpan.Zero : age);
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable> StartHeartbeatAsync(string consumer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        cancellationToken.ThrowIfCancellationRequested();

        var heartbeat = new Heartbeat(this, consumer);
        await heartbeat.BeatAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        heartbeat.Start();
        _restarted[consumer] = true;
        return heartbeat;
    }

    private static TaskCompletionSource NewWakeGeneration() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// This instance's one subscription to the "added" channel, made on first use and again after a failure. Never
    /// throws: without it the reads poll (a failure is logged at Debug).
    /// </summary>
    private Task<bool> SubscribeToWakeAsync()
    {
        var current = Volatile.Read(ref _wakeSubscription);
        if (current is { IsCompletedSuccessfully: true, Result: true })
        {
            return current;
        }

        lock (_wakeGate)
        {
            current = _wakeSubscription;
            if (current is null || current is { IsCompletedSuccessfully: true, Result: false })
            {
                current = _wakeSubscription = SubscribeAsync(again: current is not null);
            }

            return current;
        }

        async Task<bool> SubscribeAsync(bool again)
        {
            var subscriber = _redis.GetSubscriber();
            try
            {
                if (again)
                {
                    // A failed SUBSCRIBE leaves the handler registered in the multiplexer: drop it, so this does not add
                    // a second one.
                    await subscriber.UnsubscribeAsync(_wakeChannel, _onWake).ConfigureAwait(false);
                }

                await subscriber.SubscribeAsync(_wakeChannel, _onWake).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                Log.WakeUpSubscribeFailed(_logger, _wakeChannel.ToString(), ex.Message);
                return false;
            }
        }
    }

    /// <summary>
    /// Waits for <paramref name="woken"/> (a notice) or <paramref name="poll"/> on the injected clock, whichever comes
    /// first. Returns whether the notice came first.
    /// </summary>
    private async Task<bool> WaitForNoticeAsync(Task woken, TimeSpan poll, CancellationToken cancellationToken)
    {
        if (woken.IsCompleted)
        {
            return true;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(poll, _timeProvider, stop.Token);
        if (await Task.WhenAny(woken, delay).ConfigureAwait(false) == woken)
        {
            await stop.CancelAsync().ConfigureAwait(false); // drop the timer
            cancellationToken.ThrowIfCancellationRequested();
            return true;
        }

        await delay.ConfigureAwait(false); // throws when the caller cancelled
        return false;
    }

    /// <summary>Claims the pending jobs of consumers that announced themselves and whose heartbeat is gone.</summary>
    private async Task TakeOverDeadAsync(string consumer, int maxCount, List<FillJobDelivery> taken, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        var members = await db.SetMembersAsync(_options.ConsumersKey).WaitAsync(cancellationToken).ConfigureAwait(false);
        var others = members.Select(m => (string)m!).Where(name => !string.Equals(name, consumer, StringComparison.Ordinal)).ToArray();
        if (others.Length == 0)
        {
            return;
        }

        var alive = await Task.WhenAll(others.Select(name => db.KeyExistsAsync(_options.HeartbeatKey(name)))).WaitAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < others.Length && taken.Count < maxCount; i++)
        {
            if (alive[i])
            {
                continue;
            }

            string dead = others[i];
            int found = await TakeOverAsync(dead, consumer, maxCount - taken.Count, (long)_options.ConsumerHeartbeatInterval.TotalMilliseconds, taken, cancellationToken).ConfigureAwait(false);
            if (found == 0)
            {
                // Nothing left to take over: forget it (a consumer that was only late adds itself again on its next beat).
                await db.SetRemoveAsync(_options.ConsumersKey, dead).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Claims for <paramref name="consumer"/> up to <paramref name="want"/> jobs pending with <paramref name="from"/>
    /// (those idle at least <paramref name="minIdleMilliseconds"/>, so two readers racing for the same jobs cannot take
    /// one from each other). Returns how many jobs were pending with <paramref name="from"/> (at most
    /// <paramref name="want"/>), claimed or not.
    /// </summary>
    private async Task<int> TakeOverAsync(
        string from, string consumer, int want, long minIdleMilliseconds, List<FillJobDelivery> taken, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();

        var pending = await db.StreamPendingMessagesAsync(_stream, _options.ConsumerGroup, want, from)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        if (pending.Length == 0)
        {
            return 0;
        }

        var claimed = await db.StreamClaimAsync(_stream, _options.ConsumerGroup, consumer, minIdleMilliseconds, pending.Select(p => p.MessageId).ToArray())
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        int before = taken.Count;
        await AddClaimedAsync(consumer, claimed, taken, cancellationToken).ConfigureAwait(false);
        if (taken.Count > before)
        {
            _takenOver.Add(taken.Count - before);
            Log.TookOverDeadConsumer(_logger, consumer, taken.Count - before, from);
        }

        return pending.Length;
    }

    private async Task ReclaimAsync(string consumer, int maxCount, TimeSpan reclaimAfter, List<FillJobDelivery> taken, CancellationToken cancellationToken)
    {
        var claim = await _redis.GetDatabase()
            .StreamAutoClaimAsync(_stream, _options.ConsumerGroup, consumer, (long)reclaimAfter.TotalMilliseconds, "0-0", maxCount)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        await AddClaimedAsync(consumer, claim.ClaimedEntries, taken, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds entries just claimed by <paramref name="consumer"/>, with their delivery counts.</summary>
    private async Task AddClaimedAsync(string consumer, StreamEntry[] entries, List<FillJobDelivery> taken, CancellationToken cancellationToken)
    {
        var claimed = entries.Where(e => !e.IsNull).OrderBy(e => StreamIdOrder(e.Id)).ToArray();
        if (claimed.Length == 0)
        {
            return;
        }

        // The claim raised each delivery count; read them back. An entry another consumer claimed in between is
        // not ours any more and is left out.
        var pending = await _redis.GetDatabase()
            .StreamPendingMessagesAsync(_stream, _options.ConsumerGroup, claimed.Length, consumer, claimed[0].Id, claimed[^1].Id)
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

    /// <summary>Delivers the entry when it is a well-formed job with a valid signature; drops it otherwise.</summary>
    private async Task AddAsync(StreamEntry entry, int deliveryCount, List<FillJobDelivery> taken)
    {
        string id = entry.Id!;
        var (job, rejection) = Check(entry);
        if (job is null)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("reason", rejection));
            Log.RejectedFillJob(_logger, rejection!, id, (string)_stream!);
            await AckAndDeleteAsync(id).ConfigureAwait(false);
            return;
        }

        taken.Add(new FillJobDelivery(id, job, deliveryCount));
    }

    /// <summary>The job of an entry, or why it is rejected: "unsigned", "malformed" or "forged".</summary>
    private (FillJob? Job, string? Rejection) Check(StreamEntry entry)
    {
        var signature = entry[SignatureField];
        if (signature.IsNullOrEmpty)
        {
            return (null, "unsigned");
        }

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
            return (null, "malformed");
        }

        if (!_signer.Verify(job, signature))
        {
            return (null, "forged");
        }

        // Signed by a key holder, yet incomplete: never fill with it.
        if (string.IsNullOrEmpty(job.ModulePath) || string.IsNullOrEmpty(job.Version)
            || string.IsNullOrEmpty(job.EscapedPath) || string.IsNullOrEmpty(job.EscapedVersion))
        {
            return (null, "malformed");
        }

        return (job, null);
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

    /// <summary>A stream id ("ms-seq") as a sortable pair.</summary>
    private static (long, long) StreamIdOrder(RedisValue id)
    {
        string text = id!;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 || !long.TryParse(text.AsSpan(0, dash), out long ms) || !long.TryParse(text.AsSpan(dash + 1), out long seq)
            ? (long.MaxValue, long.MaxValue)
            : (ms, seq);
    }

    /// <summary>One consumer's heartbeat: the key refreshed in the background until disposed.</summary>
    private sealed class Heartbeat(RedisFillQueue queue, string consumer) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;
        private bool _failing;

        public void Start() => _loop = RunAsync();

        /// <summary>Refreshes the key and (re)joins the set; a failure is logged once until the next success.</summary>
        public async Task BeatAsync()
        {
            var options = queue._options;
            try
            {
                var db = queue._redis.GetDatabase();
                await Task.WhenAll(
                    db.StringSetAsync(options.HeartbeatKey(consumer), queue._timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), options.ConsumerHeartbeatTimeToLive),
                    db.SetAddAsync(options.ConsumersKey, consumer)).ConfigureAwait(false);
                if (_failing)
                {
                    _failing = false;
                    Log.HeartbeatRecovered(queue._logger, consumer);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                if (!_failing)
                {
                    _failing = true;
                    Log.HeartbeatFailed(queue._logger, consumer, ex.Message);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
            try
            {
                // Gone now: the jobs it leaves pending move on at the next read of another consumer.
                await queue._redis.GetDatabase().KeyDeleteAsync(queue._options.HeartbeatKey(consumer)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                // The key runs out by itself.
            }
        }

        private async Task RunAsync()
        {
            while (true)
            {
                try
                {
                    await Task.Delay(queue._options.ConsumerHeartbeatInterval, queue._timeProvider, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await BeatAsync().ConfigureAwait(false);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(RedisEventIds.RejectedFillJob, LogLevel.Warning, "Dropped the {Reason} fill job {Id} from {Stream}: it is not signed with this cluster's job-signing key.")]
        public static partial void RejectedFillJob(ILogger logger, string reason, string id, string stream);

        [LoggerMessage(RedisEventIds.ConsumerGroupCreated, LogLevel.Information, "Created the consumer group {Group} on {Stream}.")]
        public static partial void ConsumerGroupCreated(ILogger logger, string group, string stream);

        [LoggerMessage(RedisEventIds.TookOverDeadConsumer, LogLevel.Warning, "{Consumer} took over {Count} fill job(s) of {Dead}, whose heartbeat is gone.")]
        public static partial void TookOverDeadConsumer(ILogger logger, string consumer, int count, string dead);

        [LoggerMessage(RedisEventIds.HeartbeatFailed, LogLevel.Warning, "The heartbeat of {Consumer} failed: {Reason}")]
        public static partial void HeartbeatFailed(ILogger logger, string consumer, string reason);

        [LoggerMessage(RedisEventIds.HeartbeatRecovered, LogLevel.Information, "The heartbeat of {Consumer} works again.")]
        public static partial void HeartbeatRecovered(ILogger logger, string consumer);

        [LoggerMessage(RedisEventIds.WakeUpPublishFailed, LogLevel.Debug, "Enqueued a fill job, but could not publish its notice on {Channel} (waiting readers find it at their next poll): {Reason}")]
        public static partial void WakeUpPublishFailed(ILogger logger, string channel, string reason);

        [LoggerMessage(RedisEventIds.WakeUpSubscribeFailed, LogLevel.Debug, "Could not subscribe to {Channel} (reads poll until a later read subscribes): {Reason}")]
        public static partial void WakeUpSubscribeFailed(ILogger logger, string channel, string reason);
    }
}
