using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Protocol;
using ModMesh.Storage;

namespace ModMesh.Fetcher.Filling;

/// <summary>
/// Makes the fill of one file happen once: one task per file in this process (single-flight), one lock holder per
/// file across every process sharing the coordinator, and at most <see cref="FillOptions.MaxConcurrentFills"/> fills
/// running here. The holder runs <see cref="FileFetcher"/> (fetch, check, commit) and publishes the outcome; everyone
/// else waits for that event, and takes over if the holder dies (its lock runs out).
/// </summary>
internal sealed partial class ModuleFiller : IModuleFiller, IDisposable
{
    private readonly SingleFlight<string, Outcome> _fills = new();
    private readonly FileFetcher _fetcher;
    private readonly FillMemory _memory;
    private readonly ILockProvider _locks;
    private readonly IFillEvents _events;
    private readonly FillOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ModuleFiller> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Status.FillActivity? _activity;

    public ModuleFiller(FileFetcher fetcher, FillMemory memory, ILockProvider locks, IFillEvents events, IOptions<FillOptions> options, TimeProvider time, ILogger<ModuleFiller> logger, Status.FillActivity? activity = null)
    {
        _activity = activity;
        _fetcher = fetcher;
        _memory = memory;
        _locks = locks;
        _events = events;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentFills, _options.MaxConcurrentFills);
    }

    /// <summary>Fills running in this process now.</summary>
    internal int Running => _options.MaxConcurrentFills - _slots.CurrentCount;

    public async Task<Outcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken)
    {
        if (await _memory.KnownAsync(request, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        try
        {
            return await _fills.Run(request.CoordinationKey, () => RunAsync(request)).WaitAsync(_options.WaitTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new Outcome(OutcomeKind.Pending, $"{request.What} is still being fetched; retry shortly");
        }
    }

    /// <summary>
    /// Like <see cref="EnsureFilledAsync"/> but waits for the fill to end (it is bounded by the fill timeout): for
    /// callers that are fillers themselves (a fetcher's job, a node whose queue is unreachable).
    /// </summary>
    public async Task<Outcome> FillAsync(FillRequest request, CancellationToken cancellationToken)
    {
        if (await _memory.KnownAsync(request, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        return await _fills.Run(request.CoordinationKey, () => RunAsync(request)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Outcome> RunAsync(FillRequest request)
    {
        using var bound = new CancellationTokenSource(_options.Timeout, _time);
        var token = bound.Token;
        var key = request.CoordinationKey;
        try
        {
            while (true)
            {
                // Subscribe before trying the lock, so the holder's "filled" can't slip between the two.
                await using var waiter = await _events.SubscribeAsync(key, token).ConfigureAwait(false);

                // A slot before the lock: a process at capacity does not hold locks that an idle fetcher could take.
                if (!await _slots.WaitAsync(_options.FillSlotWait, token).ConfigureAwait(false))
                {
                    FetcherTelemetry.Fills.Add(1, new KeyValuePair<string, object?>("outcome", nameof(OutcomeKind.Overloaded)));
                    Log.Overloaded(_logger, request.ModulePath, request.Version, request.FileName, _options.MaxConcurrentFills);
                    return new Outcome(OutcomeKind.Overloaded, $"{request.What}: this node is at its limit of {_options.MaxConcurrentFills} fills at once; retry shortly");
                }

                try
                {
                    var lease = await _locks.TryAcquireAsync(key, _options.LockTimeToLive, token).ConfigureAwait(false);
                    if (lease is not null)
                    {
                        await using (lease.ConfigureAwait(false))
                        {
                            return await FillHoldingLockAsync(request, lease, token).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    _slots.Release();
                }

                if (await _memory.IsCommittedAsync(request, token).ConfigureAwait(false))
                {
                    return Outcome.Ok;
                }

                Log.WaitingForOtherFiller(_logger, request.ModulePath, request.Version, request.FileName);

                // Wait about one lock lifetime: if the holder died, its lock has run out by then and we take over.
                var outcome = await waiter.WaitAsync(_options.LockTimeToLive, token).ConfigureAwait(false);
                if (!outcome.IsPending)
                {
                    return outcome;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return new Outcome(OutcomeKind.UpstreamTimeout, $"{request.What}: the fill took longer than {_options.Timeout}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BlobStoreUnavailableException)
        {
            // The store (or the coordinator) failed: nothing was committed. The details go to the log only.
            Log.FillCrashed(_logger, request.ModulePath, request.Version, request.FileName, ex);
            return new Outcome(OutcomeKind.StorageUnavailable, $"{request.What}: storage unavailable; retry shortly");
        }
    }

    private async Task<Outcome> FillHoldingLockAsync(FillRequest request, ILockLease lease, CancellationToken token)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var stopRenewing = new CancellationTokenSource();
        var renewal = RenewWhileFillingAsync(lease, lost, stopRenewing.Token);
        Outcome outcome;
        var started = Stopwatch.GetTimestamp();
        var source = _activity?.BeginFill();
        using var activity = FetcherTelemetry.Source.StartActivity(FetcherTelemetry.FillSpanName);
        activity.SetModule(request.ModulePath, request.Version)?.SetTag(ModuleTelemetry.FileAttribute, request.FileName);
        try
        {
            outcome = await _memory.IsCommittedAsync(request, lost.Token).ConfigureAwait(false)
                ? Outcome.Ok
                : await _fetcher.FetchAndCommitAsync(request, lost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !token.IsCancellationRequested)
        {
            outcome = new Outcome(OutcomeKind.UpstreamFailed, $"{request.What}: the fill lock was lost; retry");
        }
        catch (BlobStoreUnavailableException ex)
        {
            Log.FillCrashed(_logger, request.ModulePath, request.Version, request.FileName, ex);
            outcome = new Outcome(OutcomeKind.StorageUnavailable, $"{request.What}: storage unavailable; retry shortly");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !token.IsCancellationRequested)
        {
            // A transfer that broke off (the upstream's fault); the full text (addresses) goes to the log only.
            Log.TransferFailed(_logger, request.ModulePath, request.Version, request.FileName, ex.Message);
            outcome = new Outcome(OutcomeKind.UpstreamFailed, $"{request.What}: the upstream transfer failed: {TransferFailure(ex)}");
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }

        activity?.SetTag("fill.outcome", outcome.Kind.ToString());
        FetcherTelemetry.Fills.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Kind.ToString()), new KeyValuePair<string, object?>("file", request.FileName));
        FetcherTelemetry.FillDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _activity?.RecordFill(request, outcome.Kind, Stopwatch.GetElapsedTime(started), "this node", source?.Upstream);
        Log.FillEnded(_logger, request.ModulePath, request.Version, request.FileName, outcome.Kind, outcome.Message ?? "");

        // Tell waiters even if our own caller has gone: bounded, independent of the fill token. The coordinator may be
        // unreachable (Redis down): the fill stands, and waiters elsewhere re-check the store.
        using var publishBound = new CancellationTokenSource(TimeSpan.FromSeconds(10), _time);
        try
        {
            await _memory.RememberAsync(request, outcome, publishBound.Token).ConfigureAwait(false);
            await _events.PublishAsync(request.CoordinationKey, outcome, publishBound.Token).ConfigureAwait(false);
            await lease.ReleaseAsync(publishBound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || publishBound.IsCancellationRequested)
        {
            Log.CoordinationFailed(_logger, request.ModulePath, request.Version, ex.Message);
        }

        return outcome;
    }

    // The message an IOException from a guarded transfer carries is ours (idle, rate); others are summarised.
    private static string TransferFailure(Exception ex) =>
        ex.Message.StartsWith("the upstream sent", StringComparison.Ordinal) ? ex.Message : "the connection broke off";

    private async Task RenewWhileFillingAsync(ILockLease lease, CancellationTokenSource lost, CancellationToken stop)
    {
        var every = _options.LockTimeToLive / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, _time, stop).ConfigureAwait(false);
                bool renewed;
                try
                {
                    renewed = await lease.RenewAsync(_options.LockTimeToLive, stop).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The coordinator is unreachable: the lock's fate is unknown, the fill goes on (a commit of checked
                    // content is idempotent); try again next period.
                    Log.CoordinationFailed(_logger, lease.Resource, "renew", ex.Message);
                    continue;
                }

                if (!renewed)
                {
                    await lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The fill ended.
        }
    }

    public void Dispose() => _slots.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Waiting for another filler of {ModulePath}@{Version} .{File}")]
        public static partial void WaitingForOtherFiller(ILogger logger, string modulePath, string version, string file);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Fill of {ModulePath}@{Version} .{File} ended: {Status} {Message}")]
        public static partial void FillEnded(ILogger logger, string modulePath, string version, string file, OutcomeKind status, string message);

        [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Coordination failed around the fill of {ModulePath}@{Version}: {Reason}")]
        public static partial void CoordinationFailed(ILogger logger, string modulePath, string version, string reason);

        [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Fill of {ModulePath}@{Version} .{File} crashed")]
        public static partial void FillCrashed(ILogger logger, string modulePath, string version, string file, Exception exception);

        [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "Fill of {ModulePath}@{Version} .{File} refused: {Limit} fills already running")]
        public static partial void Overloaded(ILogger logger, string modulePath, string version, string file, int limit);

        [LoggerMessage(EventId = 2107, Level = LogLevel.Warning, Message = "Upstream transfer of {ModulePath}@{Version} .{File} failed: {Reason}")]
        public static partial void TransferFailed(ILogger logger, string modulePath, string version, string file, string reason);
    }
}
