using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Status;

/// <summary>
/// Measures the fill queue every <see cref="Every"/> in the background (one or two cheap round trips, see
/// <see cref="IFillQueueDepth"/>) and exports the last measure as the gauges <c>modmesh.fill.queue.depth</c> (jobs
/// not yet acknowledged) and <c>modmesh.fill.queue.oldest_age</c> (seconds; 0 when empty); the status page reads the
/// same value. Every process that shares the queue reports the same figure (take the max across instances). While the
/// queue cannot be measured (Redis down), the gauges report nothing rather than a stale value.
/// </summary>
public sealed partial class FillQueueSampler : BackgroundService
{
    /// <summary>How often the queue is measured.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    private readonly IFillQueueDepth? _queue;
    private readonly TimeProvider _time;
    private readonly ILogger<FillQueueSampler> _logger;
    private volatile Measured? _last;

    /// <summary>Creates the sampler of <paramref name="queue"/> (nothing to measure when it cannot tell its depth).</summary>
    public FillQueueSampler(IFillQueue queue, TimeProvider time, IMeterFactory meters, ILogger<FillQueueSampler> logger)
    {
        _queue = queue as IFillQueueDepth;
        _time = time;
        _logger = logger;
        var meter = meters.Create(FetcherTelemetry.Name);
        meter.CreateObservableGauge("modmesh.fill.queue.depth", () => _last is { } m ? [new Measurement<long>(m.Depth.Jobs)] : Array.Empty<Measurement<long>>(),
            unit: "{job}", description: "Fill jobs waiting or in progress in the shared fill queue.");
        meter.CreateObservableGauge("modmesh.fill.queue.oldest_age", () => _last is { } m ? [new Measurement<double>(m.Depth.OldestAge?.TotalSeconds ?? 0)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "Age of the oldest job in the shared fill queue (0 when it is empty).");
    }

    /// <summary>The last measure and when it was taken, or null before the first one (or while it fails).</summary>
    public (FillQueueDepth Depth, DateTimeOffset At)? Last => _last is { } m ? (m.Depth, m.At) : null;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_queue is null)
        {
            return;
        }

        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                bound.CancelAfter(Every);
                var depth = await _queue.MeasureAsync(bound.Token).ConfigureAwait(false);
                _last = new Measured(depth, _time.GetUtcNow());
                failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _last = null;
                if (!failing)
                {
                    failing = true;
                    Log.MeasureFailed(_logger, ex.Message);
                }
            }

            try
            {
                await Task.Delay(Every, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed record Measured(FillQueueDepth Depth, DateTimeOffset At);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2851, Level = LogLevel.Warning, Message = "The fill queue could not be measured (its gauges report nothing until it can): {Reason}")]
        public static partial void MeasureFailed(ILogger logger, string reason);
    }
}
