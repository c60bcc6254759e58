using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher.Upstream;
using ModMesh.Fetcher.Verification;
using ModMesh.Protocol;
using ModMesh.Storage;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Filling;

/// <summary>
/// Fills a version at most once: one task per version in this process (local single-flight), one lock holder per
/// version across every process sharing the coordinator. The holder fetches .info, .mod and the zip (streamed
/// straight into the store), writes the marker last, and publishes the outcome; everyone else waits for that event,
/// and takes over if the holder dies (its lock runs out).
/// </summary>
internal sealed partial class ModuleFiller(
    ModuleStore store,
    IUpstream upstream,
    ILockProvider locks,
    IFillEvents events,
    INegativeCache negative,
    IOptions<FillOptions> options,
    TimeProvider time,
    ILogger<ModuleFiller> logger,
    IChecksumVerifier? checksums = null) : IModuleFiller
{
    private readonly SingleFlight<ModuleVersionKey, FillOutcome> _fills = new();
    private readonly FillOptions _options = options.Value;
    private readonly string _spoolFolder = string.IsNullOrEmpty(options.Value.SpoolPath)
        ? Path.Combine(Path.GetTempPath(), "modmesh-spool")
        : options.Value.SpoolPath;

    public async Task<FillOutcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken)
    {
        var fill = await StartOrJoinAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return await fill.WaitAsync(_options.WaitTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new FillOutcome(FillStatus.TimedOut, $"{request.ModulePath}@{request.Version} is still being fetched; retry shortly");
        }
    }

    /// <summary>
    /// Like <see cref="EnsureFilledAsync"/> but waits for the fill to end (it is bounded by the fill timeout): for
    /// callers that are fillers themselves (a fetcher's job, a node whose queue is unreachable).
    /// </summary>
    public async Task<FillOutcome> FillAsync(FillRequest request, CancellationToken cancellationToken) =>
        await (await StartOrJoinAsync(request, cancellationToken).ConfigureAwait(false)).WaitAsync(cancellationToken).ConfigureAwait(false);

    private async Task<Task<FillOutcome>> StartOrJoinAsync(FillRequest request, CancellationToken cancellationToken)
    {
        if (await store.IsCommittedAsync(request.Key, cancellationToken).ConfigureAwait(false))
        {
            return Task.FromResult(FillOutcome.Filled);
        }

        var known = await negative.GetAsync(CoordinationKey(request.Key), cancellationToken).ConfigureAwait(false);
        if (known is not null)
        {
            return Task.FromResult(new FillOutcome(FillStatus.NotFound, known));
        }

        return _fills.Run(request.Key, () => RunAsync(request));
    }

    internal static string CoordinationKey(ModuleVersionKey key) => $"fill/{key.EscapedPath}@{key.EscapedVersion}";

    private async Task<FillOutcome> RunAsync(FillRequest request)
    {
        using var bound = new CancellationTokenSource(_options.Timeout, time);
        var token = bound.Token;
        var key = CoordinationKey(request.Key);
        try
        {
            while (true)
            {
                // Subscribe before trying the lock, so the holder's "filled" can't slip between the two.
                await using var waiter = await events.SubscribeAsync(key, token).ConfigureAwait(false);
                var lease = await locks.TryAcquireAsync(key, _options.LockTimeToLive, token).ConfigureAwait(false);
                if (lease is not null)
                {
                    await using (lease.ConfigureAwait(false))
                    {
                        return await FillHoldingLockAsync(request, lease, token).ConfigureAwait(false);
                    }
                }

                if (await store.IsCommittedAsync(request.Key, token).ConfigureAwait(false))
                {
                    return FillOutcome.Filled;
                }

                Log.WaitingForOtherFiller(logger, request.ModulePath, request.Version);

                // Wait about one lock lifetime: if the holder died, its lock has run out by then and we take over.
                var outcome = await waiter.WaitAsync(_options.LockTimeToLive, token).ConfigureAwait(false);
                if (outcome.Status != FillStatus.TimedOut)
                {
                    return outcome;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: the fill took longer than {_options.Timeout}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The store (or the coordinator) failed: nothing was committed.
            Log.FillCrashed(logger, request.ModulePath, request.Version, ex);
            return new FillOutcome(FillStatus.StorageUnavailable, $"{request.ModulePath}@{request.Version}: storage unavailable: {ex.Message}");
        }
    }

    private async Task<FillOutcome> FillHoldingLockAsync(FillRequest request, ILockLease lease, CancellationToken token)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var stopRenewing = new CancellationTokenSource();
        var renewal = RenewWhileFillingAsync(lease, lost, stopRenewing.Token);
        var key = CoordinationKey(request.Key);
        FillOutcome outcome;
        var started = Stopwatch.GetTimestamp();
        using var activity = FetcherTelemetry.Source.StartActivity("fill");
        activity?.SetTag("module.path", request.ModulePath);
        activity?.SetTag("module.version", request.Version);
        try
        {
            if (await store.IsCommittedAsync(request.Key, lost.Token).ConfigureAwait(false))
            {
                outcome = FillOutcome.Filled;
            }
            else
            {
                outcome = await FetchAndCommitAsync(request, lost.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !token.IsCancellationRequested)
        {
            outcome = new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: the fill lock was lost");
        }
        catch (BlobStoreUnavailableException ex)
        {
            outcome = new FillOutcome(FillStatus.StorageUnavailable, $"{request.ModulePath}@{request.Version}: storage unavailable: {ex.Message}");
        }
        catch (FillRejectedException ex)
        {
            outcome = new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: rejected: {ex.Message}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !token.IsCancellationRequested)
        {
            outcome = new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: transfer failed: {ex.Message}");
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }

        activity?.SetTag("fill.outcome", outcome.Status.ToString());
        FetcherTelemetry.Fills.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Status.ToString()));
        FetcherTelemetry.FillDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        Log.FillEnded(logger, request.ModulePath, request.Version, outcome.Status, outcome.Message ?? "");

        // Tell waiters even if our own caller has gone: bounded, independent of the fill token. The coordinator
        // may be unreachable (Redis down): the fill stands, and waiters elsewhere re-check the store.
        using var publishBound = new CancellationTokenSource(TimeSpan.FromSeconds(10), time);
        try
        {
            if (outcome.Status == FillStatus.NotFound)
            {
                await negative.SetAsync(key, outcome.Message ?? "not found", _options.NotFoundTimeToLive, publishBound.Token).ConfigureAwait(false);
            }

            await events.PublishAsync(key, outcome, publishBound.Token).ConfigureAwait(false);
            await lease.ReleaseAsync(publishBound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || publishBound.IsCancellationRequested)
        {
            Log.CoordinationFailed(logger, request.ModulePath, request.Version, ex.Message);
        }

        return outcome;
    }

    private async Task RenewWhileFillingAsync(ILockLease lease, CancellationTokenSource lost, CancellationToken stop)
    {
        var every = _options.LockTimeToLive / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, time, stop).ConfigureAwait(false);
                bool renewed;
                try
                {
                    renewed = await lease.RenewAsync(_options.LockTimeToLive, stop).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The coordinator is unreachable: the lock's fate is unknown, the fill goes on (a commit is
                    // idempotent); try again next period.
                    Log.CoordinationFailed(logger, lease.Resource, "renew", ex.Message);
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

    private async Task<FillOutcome> FetchAndCommitAsync(FillRequest request, CancellationToken token)
    {
        var escapedVersion = request.Key.EscapedVersion;

        // The .info first: it says whether the version exists at all, so a missing version costs the upstream one
        // request. Then the go.mod and the zip at once: a distant upstream costs two round trips, not three. If one
        // of the two fails, the other is cancelled; what is committed, and in which order, does not change.
        var (infoOutcome, info) = await FetchSmallAsync(request, $"@v/{escapedVersion}.info", _options.MaxInfoBytes, token).ConfigureAwait(false);
        if (info is null)
        {
            return infoOutcome;
        }

        var infoError = CheckInfo(info, request.Version);
        if (infoError is not null)
        {
            return new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: upstream .info is unusable: {infoError}");
        }

        using var siblings = CancellationTokenSource.CreateLinkedTokenSource(token);
        var modTask = CancelSiblingsUnless(FetchSmallAsync(request, $"@v/{escapedVersion}.mod", _options.MaxModBytes, siblings.Token), r => r.Body is not null, siblings);
        var zipTask = CancelSiblingsUnless(SpoolZipAsync(request, siblings.Token), r => r.Spool is not null, siblings);
        try
        {
            await Task.WhenAll(modTask, zipTask).ConfigureAwait(false);
        }
        catch
        {
            // Inspected below, file by file.
        }

        await using var spool = zipTask.IsCompletedSuccessfully ? zipTask.Result.Spool : null;
        token.ThrowIfCancellationRequested();

        // The first file (in protocol order) that failed decides; a later one that was cancelled, or broke off,
        // because an earlier one failed does not.
        if (Failure(modTask, r => r.Body is null, r => r.Outcome) is { } modFailure)
        {
            return modFailure;
        }

        if (Failure(zipTask, r => r.Spool is null, r => r.Outcome) is { } zipFailure)
        {
            return zipFailure;
        }

        if (modTask.IsCanceled || zipTask.IsCanceled)
        {
            throw new OperationCanceledException("a file of the fill was cancelled");
        }

        var mod = modTask.Result.Body!;
        spool!.Position = 0;
        var problem = ModuleZip.Check(spool, request.ModulePath, request.Version);
        if (problem is not null)
        {
            return new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: rejected the upstream zip: {problem}");
        }

        // Rule 7: checked against the checksum database before anything reaches the store.
        if (checksums is not null && checksums.AppliesTo(request.ModulePath))
        {
            spool.Position = 0;
            string zipHash;
            try
            {
                zipHash = DirHash.HashZip(spool);
            }
            catch (InvalidDataException ex)
            {
                return new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: rejected the upstream zip: {ex.Message}");
            }

            var verdict = await checksums.VerifyAsync(request.ModulePath, request.Version, DirHash.HashGoMod(mod), zipHash, token).ConfigureAwait(false);
            if (!verdict.Allows)
            {
                return new FillOutcome(verdict.Status == ChecksumStatus.TimedOut ? FillStatus.UpstreamTimeout : FillStatus.Failed, verdict.Message);
            }
        }

        // Zip, go.mod, then the marker: a version is visible only once whole.
        spool.Position = 0;
        var written = await store.WritePartAsync(request.Key, ModuleFile.Zip, spool, token).ConfigureAwait(false);
        FetcherTelemetry.FilledBytes.Add(written.Length);
        using (var modContent = new MemoryStream(mod, writable: false))
        {
            await store.WritePartAsync(request.Key, ModuleFile.Mod, modContent, token).ConfigureAwait(false);
        }

        await store.CommitAsync(request.Key, info, token).ConfigureAwait(false);
        return FillOutcome.Filled;
    }

    // A file's own failure: its outcome, or its exception rethrown; null when it succeeded.
    private static FillOutcome? Failure<T>(Task<T> task, Func<T, bool> failed, Func<T, FillOutcome> outcome)
    {
        if (task.IsFaulted)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(task.Exception!.InnerException!);
        }

        // A file cancelled because its sibling failed is not the cause: the sibling is.
        return task.IsCanceled || !failed(task.Result) ? null : outcome(task.Result);
    }

    private static async Task<T> CancelSiblingsUnless<T>(Task<T> task, Func<T, bool> succeeded, CancellationTokenSource siblings)
    {
        try
        {
            var result = await task.ConfigureAwait(false);
            if (!succeeded(result))
            {
                await siblings.CancelAsync().ConfigureAwait(false);
            }

            return result;
        }
        catch
        {
            await siblings.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Streams the upstream zip into a private temp file (deleted on close): the zip is checked whole before any of
    /// it reaches the store, and the store gets a seekable source of known length. Never more than a small buffer
    /// in memory. Returns the spool, or the outcome that stops the fill.
    /// </summary>
    private async Task<(FillOutcome Outcome, FileStream? Spool)> SpoolZipAsync(FillRequest request, CancellationToken token)
    {
        using var zip = await upstream.GetAsync(request.ModulePath, request.Key.EscapedPath, $"@v/{request.Key.EscapedVersion}.zip", token).ConfigureAwait(false);
        if (zip.Status != UpstreamStatus.Ok)
        {
            return (ToOutcome(zip), null);
        }

        if (zip.ContentLength > _options.MaxZipBytes)
        {
            return (new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: zip of {zip.ContentLength} bytes is over the limit of {_options.MaxZipBytes}"), null);
        }

        Directory.CreateDirectory(_spoolFolder);
        var spool = new FileStream(
            Path.Combine(_spoolFolder, $"{Guid.NewGuid():N}.zip"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        try
        {
            var limited = new LimitedReadStream(zip.Content!, _options.MaxZipBytes, "the module zip");
            await limited.CopyToAsync(spool, 81920, token).ConfigureAwait(false);
            if (zip.ContentLength is long announced && announced != spool.Length)
            {
                var received = spool.Length;
                await spool.DisposeAsync().ConfigureAwait(false);
                return (new FillOutcome(FillStatus.Failed, $"{request.ModulePath}@{request.Version}: zip truncated ({received} of {announced} bytes)"), null);
            }

            return (FillOutcome.Filled, spool);
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<(FillOutcome Outcome, byte[]? Body)> FetchSmallAsync(FillRequest request, string relativePath, long limit, CancellationToken token)
    {
        using var response = await upstream.GetAsync(request.ModulePath, request.Key.EscapedPath, relativePath, token).ConfigureAwait(false);
        if (response.Status != UpstreamStatus.Ok)
        {
            return (ToOutcome(response), null);
        }

        if (response.ContentLength > limit)
        {
            throw new FillRejectedException($"{relativePath} of {response.ContentLength} bytes is over the limit of {limit}");
        }

        using var buffer = new MemoryStream();
        await new LimitedReadStream(response.Content!, limit, relativePath).CopyToAsync(buffer, token).ConfigureAwait(false);
        return (FillOutcome.Filled, buffer.ToArray());
    }

    private static string? CheckInfo(byte[] info, string version)
    {
        try
        {
            using var document = JsonDocument.Parse(info);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("Version", out var named) ||
                named.ValueKind != JsonValueKind.String)
            {
                return "no Version field";
            }

            return named.GetString() == version ? null : $"it names version {named.GetString()}";
        }
        catch (JsonException ex)
        {
            return $"not JSON ({ex.Message})";
        }
    }

    private static FillOutcome ToOutcome(UpstreamResponse response) => response.Status switch
    {
        UpstreamStatus.NotFound => new FillOutcome(FillStatus.NotFound, response.Message),
        UpstreamStatus.Timeout => new FillOutcome(FillStatus.UpstreamTimeout, response.Message),
        _ => new FillOutcome(FillStatus.Failed, response.Message),
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Waiting for another filler of {ModulePath}@{Version}")]
        public static partial void WaitingForOtherFiller(ILogger logger, string modulePath, string version);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Fill of {ModulePath}@{Version} ended: {Status} {Message}")]
        public static partial void FillEnded(ILogger logger, string modulePath, string version, FillStatus status, string message);

        [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Coordination failed around the fill of {ModulePath}@{Version}: {Reason}")]
        public static partial void CoordinationFailed(ILogger logger, string modulePath, string version, string reason);

        [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Fill of {ModulePath}@{Version} crashed")]
        public static partial void FillCrashed(ILogger logger, string modulePath, string version, Exception exception);
    }
}
