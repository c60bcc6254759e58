using System.Globalization;

namespace ModMesh.Coordination.InProcess;

/// <summary>
/// <see cref="IFillQueue"/> for the single-process embedded mode, and the reference the Redis stream follows: a FIFO of
/// new jobs plus a pending table (id → consumer, delivered-at on the injected <see cref="TimeProvider"/>, delivery
/// count). <see cref="ReadAsync"/> first re-assigns pending jobs delivered at least <c>reclaimAfter</c> ago (oldest id
/// first, delivery count + 1), then takes new ones; when it got none it waits for an enqueue, at most <c>wait</c>
/// (on the injected clock). Ids are increasing decimal numbers, unique for the life of the queue.
/// </summary>
public sealed class InProcessFillQueue : IFillQueue, IFillQueueDepth
{
    private readonly Queue<(long Id, FillJob Job)> _ready = new();
    private readonly SortedDictionary<long, Pending> _pending = [];
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private TaskCompletionSource _enqueued = NewSignal();
    private long _lastId;

    /// <summary>Creates an empty queue with the given clock.</summary>
    public InProcessFillQueue(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Jobs not yet delivered (for tests).</summary>
    internal int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Jobs delivered and not yet acknowledged (for tests).</summary>
    internal int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task<FillQueueDepth> MeasureAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var jobs = _ready.Count + _pending.Count;
            if (jobs == 0)
            {
                return Task.FromResult(new FillQueueDepth(0, null));
            }

            var oldest = _ready.Select(r => r.Job.EnqueuedAt).Concat(_pending.Values.Select(p => p.Job.EnqueuedAt)).Min();
            var age = _timeProvider.GetUtcNow() - oldest;
            return Task.FromResult(new FillQueueDepth(jobs, age < TimeSpan.Zero ? TimeSpan.Zero : age));
        }
    }

    /// <inheritdoc />
    /// <remarks>In one process a consumer cannot die without the queue: there is nothing to announce.</remarks>
    public Task<IAsyncDisposable> StartHeartbeatAsync(string consumer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IAsyncDisposable>(NoHeartbeat.Instance);
    }

    /// <inheritdoc />
    public Task EnqueueAsync(FillJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();

        TaskCompletionSource signal;
        lock (_gate)
        {
            _ready.Enqueue((++_lastId, job));
            signal = _enqueued;
            _enqueued = NewSignal();
        }

        signal.TrySetResult(); // wakes every waiting reader; they race for the job under the lock.
        return Task.CompletedTask;
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

        var taken = new List<FillJobDelivery>();
        TaskCompletionSource signal;
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            Reclaim(consumer, maxCount, reclaimAfter, now, taken);
            TakeNew(consumer, maxCount, now, taken);
            if (taken.Count > 0 || wait == TimeSpan.Zero)
            {
                return taken;
            }

            signal = _enqueued;
        }

        // The deadline timer is created on the injected clock before this method first yields.
        using var deadline = new CancellationTokenSource(wait, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        while (true)
        {
            try
            {
                await signal.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return taken; // the wait ran out: nothing came in time.
            }

            lock (_gate)
            {
                TakeNew(consumer, maxCount, _timeProvider.GetUtcNow(), taken);
                if (taken.Count > 0)
                {
                    return taken;
                }

                signal = _enqueued; // another reader was faster: wait for the next enqueue.
            }
        }
    }

    /// <inheritdoc />
    public Task AcknowledgeAsync(FillJobDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        cancellationToken.ThrowIfCancellationRequested();

        if (long.TryParse(delivery.Id, NumberStyles.None, CultureInfo.InvariantCulture, out long id))
        {
            lock (_gate)
            {
                _pending.Remove(id); // whoever holds it now: the job is done (an unknown id is a no-op).
            }
        }

        return Task.CompletedTask;
    }

    private void Reclaim(string consumer, int maxCount, TimeSpan reclaimAfter, DateTimeOffset now, List<FillJobDelivery> taken)
    {
        List<long>? reclaimed = null;
        foreach (var (id, pending) in _pending)
        {
            if (reclaimed?.Count >= maxCount)
            {
                break;
            }

            if (now - pending.DeliveredAt >= reclaimAfter)
            {
                (reclaimed ??= []).Add(id);
            }
        }

        foreach (long id in reclaimed ?? [])
        {
            var old = _pending[id];
            var renewed = new Pending(old.Job, consumer, now, old.DeliveryCount + 1);
            _pending[id] = renewed;
            taken.Add(new FillJobDelivery(FormatId(id), renewed.Job, renewed.DeliveryCount));
        }
    }

    private void TakeNew(string consumer, int maxCount, DateTimeOffset now, List<FillJobDelivery> taken)
    {
        while (taken.Count < maxCount && _ready.TryDequeue(out var next))
        {
            _pending.Add(next.Id, new Pending(next.Job, consumer, now, 1));
            taken.Add(new FillJobDelivery(FormatId(next.Id), next.Job, 1));
        }
    }

    private static string FormatId(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A delivered, unacknowledged job: who has it, since when, and how many deliveries so far.</summary>
    private sealed record Pending(FillJob Job, string Consumer, DateTimeOffset DeliveredAt, int DeliveryCount);

    private sealed class NoHeartbeat : IAsyncDisposable
    {
        public static readonly NoHeartbeat Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
