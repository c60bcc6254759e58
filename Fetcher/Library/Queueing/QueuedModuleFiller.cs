using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Coordination.Resilience;
using ModMesh.Fetcher.Filling;

namespace ModMesh.Fetcher.Queueing;

/// <summary>
/// The cache node's filler in the cluster, a decorator of the local <see cref="ModuleFiller"/>: a miss becomes a job
/// on the fill queue for the fetchers, and the node waits for the "filled" event (re-checking the store every few
/// seconds in case an event is lost). One job and one wait per file per node, however many requests. When the queue
/// is unreachable (Redis down), the node fills by itself with the local filler instead.
/// </summary>
internal sealed partial class QueuedModuleFiller(
    FillMemory memory,
    IFillQueue queue,
    IFillEvents events,
    ModuleFiller localFiller,
    CoordinationFailover failover,
    IOptions<FillOptions> options,
    TimeProvider time,
    ILogger<QueuedModuleFiller> logger) : IModuleFiller
{
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(2);
    private readonly SingleFlight<string, Outcome> _waits = new();
    private readonly FillOptions _options = options.Value;

    public async Task<Outcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken)
    {
        if (await memory.KnownAsync(request, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        var traceParent = Activity.Current?.Id;
        var wait = _waits.Run(request.CoordinationKey, () => WaitForFetchersAsync(request, traceParent));
        try
        {
            return await wait.WaitAsync(_options.WaitTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new Outcome(OutcomeKind.Pending, $"{request.What} is still being fetched; retry shortly");
        }
    }

    private async Task<Outcome> WaitForFetchersAsync(FillRequest request, string? traceParent)
    {
        using var bound = new CancellationTokenSource(_options.Timeout, time);
        var token = bound.Token;
        try
        {
            await using var waiter = await events.SubscribeAsync(request.CoordinationKey, token).ConfigureAwait(false);
            if (await memory.IsCommittedAsync(request, token).ConfigureAwait(false))
            {
                return Outcome.Ok;
            }

            try
            {
                var job = new FillJob(request.ModulePath, request.Version, request.Key.EscapedPath, request.Key.EscapedVersion, traceParent, time.GetUtcNow(), request.FileName);
                await queue.EnqueueAsync(job, token).ConfigureAwait(false);
                FetcherTelemetry.JobsEnqueued.Add(1);
            }
            catch (Exception ex) when (failover.IsUnavailable(ex))
            {
                Log.QueueUnavailable(logger, request.ModulePath, request.Version, ex.Message);
                return await localFiller.FillAsync(request, token).ConfigureAwait(false);
            }

            while (true)
            {
                var outcome = await waiter.WaitAsync(RecheckEvery, token).ConfigureAwait(false);
                if (!outcome.IsPending)
                {
                    return outcome;
                }

                if (await memory.IsCommittedAsync(request, token).ConfigureAwait(false))
                {
                    return Outcome.Ok;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return new Outcome(OutcomeKind.Pending, $"{request.What}: no fetcher completed the fill within {_options.Timeout}");
        }
        catch (IOException ex)
        {
            Log.StoreFailed(logger, request.ModulePath, request.Version, ex.Message);
            return new Outcome(OutcomeKind.StorageUnavailable, $"{request.What}: storage unavailable; retry shortly");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "The fill queue is unreachable ({Reason}); filling {ModulePath}@{Version} on this node")]
        public static partial void QueueUnavailable(ILogger logger, string modulePath, string version, string reason);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "The store failed while waiting for {ModulePath}@{Version}: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string modulePath, string version, string reason);
    }
}
