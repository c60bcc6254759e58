namespace ModMesh.Coordination;

/// <summary>
/// The queue of fill jobs between cache nodes (producers) and fetchers (consumers): in-process a channel, in the
/// cluster a Redis stream with a consumer group. A job that a consumer took but did not acknowledge within the
/// reclaim time (the consumer died) is delivered again to another consumer.
/// </summary>
public interface IFillQueue
{
    /// <summary>Adds a job. Duplicates are allowed (the fill itself is idempotent under its lock).</summary>
    Task EnqueueAsync(FillJob job, CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <paramref name="maxCount"/> jobs for <paramref name="consumer"/>: first jobs abandoned by others
    /// (pending longer than <paramref name="reclaimAfter"/>), then new ones, waiting up to <paramref name="wait"/>
    /// when there are none. Returns an empty list when nothing came in time.
    /// </summary>
    Task<IReadOnlyList<FillJobDelivery>> ReadAsync(string consumer, int maxCount, TimeSpan wait, TimeSpan reclaimAfter, CancellationToken cancellationToken);

    /// <summary>Marks a delivered job done, so it is never delivered again.</summary>
    Task AcknowledgeAsync(FillJobDelivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="consumer"/> known as alive until the returned handle is disposed (a heartbeat with a short
    /// time to live, refreshed in the background). When the heartbeat stops (the process died) or the handle is
    /// disposed (it stopped), the next <see cref="ReadAsync"/> of another consumer takes over the jobs it left pending at
    /// once, without waiting for the reclaim time. Call it before the consumer's first read. An unreachable coordinator
    /// does not make it throw: it keeps trying. In-process there is nothing to do.
    /// </summary>
    Task<IAsyncDisposable> StartHeartbeatAsync(string consumer, CancellationToken cancellationToken);
}

/// <summary>
/// A request to fill one file ("info", "mod" or "zip") of a module version; <see cref="TraceParent"/> carries the W3C
/// trace context of the asker. A consumer trusts none of it: it re-validates the path and version and derives the
/// escaped forms itself.
/// </summary>
public sealed record FillJob(string ModulePath, string Version, string EscapedPath, string EscapedVersion, string? TraceParent, DateTimeOffset EnqueuedAt, string File = "zip");

/// <summary>A job as delivered to a consumer: its queue id and how many times it was delivered (1 the first time).</summary>
public sealed record FillJobDelivery(string Id, FillJob Job, int DeliveryCount);
