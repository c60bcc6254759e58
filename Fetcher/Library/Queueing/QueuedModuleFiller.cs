using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Coordination.Resilience;
using ModMesh.Fetcher.Filling;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Queueing;

/// <summary>
/// The cache node's filler in the cluster: a miss becomes a job on the fill queue for the fetchers, and the node
/// waits for the "filled" event (re-checking the store every few seconds in case an event is lost). One job and one
/// wait per version per node, however many requests. When the queue is unreachable (Redis down), the node fills
/// by itself with local single-flight instead.
/// </summary>
internal sealed partial class QueuedModuleFiller(
    ModuleStore store,
    IFillQueue queue,
    IFillEvents events,
    INegativeCache negative,
    ModuleFiller localFiller,
    CoordinationFailover failover,
    IOptions<FillOptions> options,
    TimeProvider time,
    ILogger<QueuedModuleFiller> logger) : IModuleFiller
{
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(2);
    private readonly SingleFlight<ModuleVersionKey, FillOutcome> _waits = new();
    private readonly FillOptions _options = options.Value;

    public async Task<FillOutcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken)
    {
        if (await store.IsCommittedAsync(request.Key, cancellationToken).ConfigureAwait(false))
        {
            return FillOutcome.Filled;
        }

        var known = await negative.GetAsync(ModuleFiller.CoordinationKey(request.Key), cancellationToken).ConfigureAwait(false);
        if (known is not null)
        {
            return new FillOutcome(FillStatus.NotFound, known);
        }

        var traceParent = Activity.Current?.Id;
        var wait = _waits.Run(request.Key, () => WaitForFetchersAsync(request, traceParent));
        try
        {
            return await wait.WaitAsync(_options.WaitTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new FillOutcome(FillStatus.TimedOut, $"{request.ModulePath}@{request.Version} is still being fetched; retry shortly");
        }
    }

    private async Task<FillOutcome> WaitForFetchersAsync(FillRequest request, string? traceParent)
    {
        using var bound = new CancellationTokenSource(_options.Timeout, time);
        var token = bound.Token;
        var key = ModuleFiller.CoordinationKey(request.Key);
        try
        {
            await using var waiter = await events.SubscribeAsync(key, token).ConfigureAwait(false);
            if (await store.IsCommittedAsync(request.Key, token).ConfigureAwait(false))
            {
                return FillOutcome.Filled;
            }

            try
            {
                var job = new FillJob(request.ModulePath, request.Version, request.Key.EscapedPath, request.Key.EscapedVersion, traceParent, time.GetUtcNow());
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
                if (outcome.Status != FillStatus.TimedOut)
                {
                    return outcome;
                }

                if (await store.IsCommittedAsync(request.Key, token).ConfigureAwait(false))
                {
                    return FillOutcome.Filled;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return new FillOutcome(FillStatus.TimedOut, $"{request.ModulePath}@{request.Version}: no fetcher completed the fill within {_options.Timeout}");
        }
        catch (IOException ex)
        {
            return new FillOutcome(FillStatus.StorageUnavailable, $"{request.ModulePath}@{request.Version}: storage unavailable: {ex.Message}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "The fill queue is unreachable ({Reason}); filling {ModulePath}@{Version} on this node")]
        public static partial void QueueUnavailable(ILogger logger, string modulePath, string version, string reason);
    }
}
