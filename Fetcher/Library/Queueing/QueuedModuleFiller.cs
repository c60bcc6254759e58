using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Coordination.Resilience;
using ModMesh.Fetcher.Filling;
using ModMesh.Protocol;

namespace ModMesh.Fetcher.Queueing;

/// <summary>
/// The cache node's filler in the cluster, a decorator of the local <see cref="ModuleFiller"/>: a miss becomes a job
/// on the fill queue for the fetchers, and the node waits for the "filled" event (re-checking the store every few
/// seconds in case an event is lost). One job and one wait per file per node, however many requests. When the queue
/// is unreachable (Redis down), the node fills by itself with the local filler instead. When the job itself was lost
/// (Redis restarted without persistence: the stream is gone), nobody holds the file's fill lock: the node notices that
/// at its periodic re-check and enqueues the job again, so no fill is lost.
/// </summary>
internal sealed partial class QueuedModuleFiller(
    FillMemory memory,
    IFillQueue queue,
    IFillEvents events,
    ILockProvider locks,
    ModuleFiller localFiller,
    CoordinationFailover failover,
    IOptions<FillOptions> options,
    TimeProvider time,
    ILogger<QueuedModuleFiller> logger,
    Status.FillActivity? activity = null) : IModuleFiller
{
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(2);

    /// <summary>How many quiet re-checks pass before the node asks whether anyone is filling at all.</summary>
    private const int RechecksBeforeProbe = 3;
    private readonly SingleFlight<string, Outcome> _waits = new();
    private readonly FillOptions _options = options.Value;

    public async Task<Outcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken)
    {
        if (await memory.KnownAsync(request, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        var wait = _waits.Run(request.CoordinationKey, () => WaitForFetchersAsync(request));
        try
        {
            return await wait.WaitAsync(_options.WaitTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new Outcome(OutcomeKind.Pending, $"{request.What} is still being fetched; retry shortly");
        }
    }

    private async Task<Outcome> WaitForFetchersAsync(FillRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        var (outcome, byFetchers) = await WaitOrFillAsync(request).ConfigureAwait(false);
        if (byFetchers)
        {
            // A fill this node ran itself (the queue was unreachable) is recorded by the local filler.
            activity?.RecordFill(request, outcome.Kind, Stopwatch.GetElapsedTime(started), "fetchers", null);
        }

        return outcome;
    }

    /// <summary>The outcome, and false when no fetcher filled it for this wait (the node filled by itself, or it was already there).</summary>
    private async Task<(Outcome Outcome, bool ByFetchers)> WaitOrFillAsync(FillRequest request)
    {
        using var bound = new CancellationTokenSource(_options.Timeout, time);
        var token = bound.Token;
        try
        {
            await using var waiter = await events.SubscribeAsync(request.CoordinationKey, token).ConfigureAwait(false);
            if (await memory.IsCommittedAsync(request, token).ConfigureAwait(false))
            {
                return (Outcome.Ok, false); // committed meanwhile: no fill to show
            }

            try
            {
                await SendAsync(request, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (failover.IsUnavailable(ex))
            {
                Log.QueueUnavailable(logger, request.ModulePath, request.Version, ex.Message);
                return (await localFiller.FillAsync(request, token).ConfigureAwait(false), false);
            }

            var quiet = 0;
            var probeAfter = RechecksBeforeProbe;
            while (true)
            {
                var outcome = await waiter.WaitAsync(RecheckEvery, token).ConfigureAwait(false);
                if (!outcome.IsPending)
                {
                    return (outcome, true);
                }

                if (await memory.IsCommittedAsync(request, token).ConfigureAwait(false))
                {
                    return (Outcome.Ok, true);
                }

                if (++quiet >= probeAfter && await NobodyFillingAsync(request, token).ConfigureAwait(false))
                {
                    // No fetcher holds the lock and nothing was committed: the job was lost (or is still queued
                    // behind others; a duplicate is harmless, the fill is idempotent under its lock). The wait before
                    // the next probe doubles, so a long queue is not flooded with duplicates.
                    quiet = 0;
                    probeAfter *= 2;
                    Log.Reenqueued(logger, request.ModulePath, request.Version, request.FileName);
                    try
                    {
                        await SendAsync(request, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (failover.IsUnavailable(ex))
                    {
                        Log.QueueUnavailable(logger, request.ModulePath, request.Version, ex.Message);
                        return (await localFiller.FillAsync(request, token).ConfigureAwait(false), false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return (new Outcome(OutcomeKind.Pending, $"{request.What}: no fetcher completed the fill within {_options.Timeout}"), true);
        }
        catch (IOException ex)
        {
            Log.StoreFailed(logger, request.ModulePath, request.Version, ex.Message);
            return (new Outcome(OutcomeKind.StorageUnavailable, $"{request.What}: storage unavailable; retry shortly"), true);
        }
    }

    /// <summary>
    /// Puts a job for <paramref name="request"/> on the queue under a producer span (a child of the request that
    /// missed), whose trace context the job carries: the fetcher's fill continues this trace.
    /// </summary>
    private async Task SendAsync(FillRequest request, CancellationToken token)
    {
        using var send = FetcherTelemetry.Source.StartActivity(FetcherTelemetry.SendSpanName, ActivityKind.Producer);
        send.SetModule(request.ModulePath, request.Version)?.SetTag(ModuleTelemetry.FileAttribute, request.FileName);
        send?.SetTag("messaging.operation.type", "send");
        var job = new FillJob(
            request.ModulePath, request.Version, request.Key.EscapedPath, request.Key.EscapedVersion,
            FillJobTrace.Format(Activity.Current), time.GetUtcNow(), request.FileName);
        await queue.EnqueueAsync(job, token).ConfigureAwait(false);
        FetcherTelemetry.JobsEnqueued.Add(1);
    }

    /// <summary>True when the file's fill lock is free (probed by taking it and releasing it at once).</summary>
    private async Task<bool> NobodyFillingAsync(FillRequest request, CancellationToken token)
    {
        try
        {
            var probe = await locks.TryAcquireAsync(request.CoordinationKey, TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
            if (probe is null)
            {
                return false;
            }

            await probe.DisposeAsync().ConfigureAwait(false); // disposing a lease releases it
            return true;
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "No fetcher is filling {ModulePath}@{Version} .{File} and nothing was committed: the job is enqueued again")]
        public static partial void Reenqueued(ILogger logger, string modulePath, string version, string file);

        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "The fill queue is unreachable ({Reason}); filling {ModulePath}@{Version} on this node")]
        public static partial void QueueUnavailable(ILogger logger, string modulePath, string version, string reason);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "The store failed while waiting for {ModulePath}@{Version}: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string modulePath, string version, string reason);
    }
}
