namespace ModMesh.Coordination;

/// <summary>
/// How full the fill queue is, for gauges and the status page: an <see cref="IFillQueue"/> that can say it implements
/// this. One or two cheap round trips (never a listing of the jobs); call it from a background sampler, not per request.
/// </summary>
public interface IFillQueueDepth
{
    /// <summary>Jobs not yet acknowledged (waiting or being filled), and the age of the oldest of them.</summary>
    Task<FillQueueDepth> MeasureAsync(CancellationToken cancellationToken);
}

/// <summary>The fill queue at one moment.</summary>
/// <param name="Jobs">Jobs waiting or in progress (not yet acknowledged).</param>
/// <param name="OldestAge">How long the oldest of them has been queued; null when the queue is empty.</param>
public sealed record FillQueueDepth(long Jobs, TimeSpan? OldestAge);
