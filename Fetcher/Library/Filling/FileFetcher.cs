using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher.Upstream;
using ModMesh.Fetcher.Verification;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Filling;

/// <summary>
/// Fetch, check, commit: one file of one version, with no coordination at all (the <see cref="ModuleFiller"/> makes
/// it happen once cluster-wide). Nothing reaches the store before it is checked:
/// <list type="bullet">
/// <item>.info: JSON object, "Version" equal to the requested canonical version, "Time" in RFC 3339.</item>
/// <item>.mod: declares the requested module; its h1 matches the checksum database's "/go.mod" line; equals the
/// committed zip's go.mod when the zip came first.</item>
/// <item>.zip: spooled to a private temp file (never in memory), then go's zip rules, the checksum database's zip
/// line, and its go.mod equal to the committed .mod (else the zip is refused and the .mod stays).</item>
/// </list>
/// Memory per fill: the .info/.mod bytes (at most MaxInfoBytes/MaxModBytes) or, for a zip, copy buffers and the zip
/// check's compact name index (tens of bytes per entry); the zip itself stays on disk.
/// </summary>
internal sealed partial class FileFetcher(
    ModuleStore store,
    IUpstream upstream,
    IOptions<FillOptions> options,
    ILogger<FileFetcher> logger,
    IChecksumVerifier? checksums = null,
    ModuleIndex? index = null)
{
    private const int CopyBuffer = 81920;
    private readonly FillOptions _options = options.Value;
    private readonly string _spoolFolder = Spool.FolderOf(options.Value);

    /// <summary>Fetches, checks and commits <paramref name="request"/>'s file. The caller holds the file's fill lock.</summary>
    public Task<Outcome> FetchAndCommitAsync(FillRequest request, CancellationToken token) => request.File switch
    {
        ModuleFile.Info => FillInfoAsync(request, token),
        ModuleFile.Mod => FillModAsync(request, token),
        _ => FillZipAsync(request, token),
    };

    private async Task<Outcome> FillInfoAsync(FillRequest request, CancellationToken token)
    {
        var (outcome, info) = await FetchSmallAsync(request, _options.MaxInfoBytes, token).ConfigureAwait(false);
        if (info is null)
        {
            return outcome;
        }

        var problem = ModuleInfo.Check(info, request.ModulePath, request.Version);
        if (problem is not null)
        {
            return Rejected(request, $"the upstream .info is unusable: {problem}");
        }

        using var content = new MemoryStream(info, writable: false);
        await store.CommitAsync(request.Key, ModuleFile.Info, content, token).ConfigureAwait(false);
        return Outcome.Ok;
    }

    private async Task<Outcome> FillModAsync(FillRequest request, CancellationToken token)
    {
        var (outcome, mod) = await FetchSmallAsync(request, _options.MaxModBytes, token).ConfigureAwait(false);
        if (mod is null)
        {
            return outcome;
        }

        if (GoModFile.CheckDeclares(mod, request.ModulePath) is { } wrongModule)
        {
            return Rejected(request, $"the upstream go.mod is unusable: {wrongModule}");
        }

        if (checksums is not null && checksums.AppliesTo(request.ModulePath))
        {
            var verdict = await checksums.VerifyAsync(request.ModulePath, request.Version, DirHash.HashGoMod(mod), null, token).ConfigureAwait(false);
            if (!verdict.Allows)
            {
                return FromVerdict(verdict);
            }
        }

        // The zip came first: its go.mod decides (rule 2: when both exist, they are equal).
        var zipGoMod = await CommittedZipGoModAsync(request, token).ConfigureAwait(false);
        if (zipGoMod is { } fromZip && !fromZip.AsSpan().SequenceEqual(mod))
        {
            return Rejected(request, "the upstream go.mod differs from the go.mod inside the committed zip");
        }

        using var content = new MemoryStream(mod, writable: false);
        await store.CommitAsync(request.Key, ModuleFile.Mod, content, token).ConfigureAwait(false);
        await RecordHashAsync(request, DirHash.HashGoMod(mod), token).ConfigureAwait(false);
        return Outcome.Ok;
    }

    private async Task<Outcome> FillZipAsync(FillRequest request, CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
        var (outcome, spool) = await SpoolZipAsync(request, token).ConfigureAwait(false);
        if (spool is null)
        {
            return outcome;
        }

        await using (spool.ConfigureAwait(false))
        {
            var spooled = Stopwatch.GetTimestamp();
            var report = Inspect(spool, request);
            var checkedAt = Stopwatch.GetTimestamp();
            if (report.Problem is not null)
            {
                return Rejected(request, $"the upstream zip breaks the module zip rules: {report.Problem}");
            }

            if (report.GoMod is { } zipGoMod && GoModFile.CheckDeclares(zipGoMod, request.ModulePath) is { } wrongModule)
            {
                return Rejected(request, $"the go.mod inside the upstream zip is unusable: {wrongModule}");
            }

            if (checksums is not null && checksums.AppliesTo(request.ModulePath))
            {
                var verdict = await checksums.VerifyAsync(request.ModulePath, request.Version, null, report.Hash, token).ConfigureAwait(false);
                if (!verdict.Allows)
                {
                    return FromVerdict(verdict);
                }
            }

            // The .mod came first (the usual order: the go command reads go.mod before it downloads a zip).
            var committedMod = await store.ReadSmallAsync(request.Key, ModuleFile.Mod, _options.MaxModBytes, token).ConfigureAwait(false);
            if (committedMod is not null && report.GoMod is { } goMod && !goMod.AsSpan().SequenceEqual(committedMod))
            {
                return Rejected(request, "the go.mod inside the upstream zip differs from the committed .mod; the zip was refused");
            }

            spool.Position = 0;
            var verified = Stopwatch.GetTimestamp();
            var written = await store.CommitAsync(request.Key, ModuleFile.Zip, spool, token).ConfigureAwait(false);
            FetcherTelemetry.FilledBytes.Add(written.Length);
            await RecordHashAsync(request, report.Hash!, token).ConfigureAwait(false);
            await AddToIndexAsync(request, token).ConfigureAwait(false);
            Log.ZipFilled(logger, request.ModulePath, request.Version, written.Length,
                Stopwatch.GetElapsedTime(started, spooled).TotalMilliseconds, Stopwatch.GetElapsedTime(spooled, checkedAt).TotalMilliseconds,
                Stopwatch.GetElapsedTime(checkedAt, verified).TotalMilliseconds, Stopwatch.GetElapsedTime(verified).TotalMilliseconds);
            return Outcome.Ok;
        }
    }

    /// <summary>
    /// An index entry for a version whose zip was just committed. The version is served whether or not this works: a
    /// store hiccup here costs one feed entry, logged, never the fill.
    /// </summary>
    private async Task AddToIndexAsync(FillRequest request, CancellationToken token)
    {
        if (index is null)
        {
            return;
        }

        try
        {
            await index.AddAsync(request.Key, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or Storage.BlobStoreUnavailableException or UnauthorizedAccessException)
        {
            Log.IndexFailed(logger, request.ModulePath, request.Version, ex.Message);
        }
    }

    /// <summary>
    /// Records the h1 of the file just committed, for <c>modmesh verify</c>. The version is served whether or not this
    /// works: a store hiccup here leaves a version without a record (verify then says so), logged, never a failed fill.
    /// </summary>
    private async Task RecordHashAsync(FillRequest request, string hash, CancellationToken token)
    {
        try
        {
            await store.RecordHashAsync(request.Key, request.File, hash, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or Storage.BlobStoreUnavailableException or UnauthorizedAccessException)
        {
            Log.HashRecordFailed(logger, request.ModulePath, request.Version, request.FileName, ex.Message);
        }
    }

    private ModuleZipReport Inspect(Stream zip, FillRequest request)
    {
        zip.Position = 0;
        return ModuleZip.Inspect(zip, request.ModulePath, request.Version, new ModuleZipLimits { MaxZipBytes = _options.MaxZipBytes });
    }

    /// <summary>The go.mod inside the committed zip of the version, or null (no zip committed, or no go.mod in it).</summary>
    private async Task<byte[]?> CommittedZipGoModAsync(FillRequest request, CancellationToken token)
    {
        var committed = await store.GetCommittedAsync(request.Key, ModuleFile.Zip, token).ConfigureAwait(false);
        if (committed is null)
        {
            return null;
        }

        // Rare (the zip was asked for before the go.mod). A local or in-memory zip is read where it is; a remote one
        // from a seekable copy.
        if (committed.Bytes is { } bytes)
        {
            using var inMemory = new MemoryStream(bytes, writable: false);
            return Inspect(inMemory, request).GoMod;
        }

        if (committed.LocalPath is { } path)
        {
            await using var local = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer, FileOptions.RandomAccess);
            return Inspect(local, request).GoMod;
        }

        await using var spool = CreateSpool();
        await using (var reader = committed.Reader!)
        {
            await reader.Content.CopyToAsync(spool, CopyBuffer, token).ConfigureAwait(false);
        }

        return Inspect(spool, request).GoMod;
    }

    private FileStream CreateSpool() => Spool.Create(_spoolFolder);

    /// <summary>
    /// Streams the upstream zip into a private temp file (deleted on close): the zip is checked whole before any of it
    /// reaches the store, and the store gets a seekable source of known length.
    /// </summary>
    private async Task<(Outcome Outcome, FileStream? Spool)> SpoolZipAsync(FillRequest request, CancellationToken token)
    {
        using var zip = await upstream.GetAsync(UpstreamRequestOf(request), token).ConfigureAwait(false);
        if (zip.Status != OutcomeKind.Ok)
        {
            return (zip.ToOutcome(), null);
        }

        if (zip.ContentLength > _options.MaxZipBytes)
        {
            return (Rejected(request, $"the zip of {zip.ContentLength} bytes is over the limit of {_options.MaxZipBytes}"), null);
        }

        var spool = CreateSpool();
        try
        {
            var limited = new LimitedReadStream(zip.Content!, _options.MaxZipBytes, "the module zip");
            await limited.CopyToAsync(spool, CopyBuffer, token).ConfigureAwait(false);
            if (zip.ContentLength is long announced && announced != spool.Length)
            {
                var received = spool.Length;
                await spool.DisposeAsync().ConfigureAwait(false);
                return (new Outcome(OutcomeKind.UpstreamFailed, $"{request.What}: the zip was cut off ({received} of {announced} bytes)"), null);
            }

            return (Outcome.Ok, spool);
        }
        catch (FillRejectedException ex)
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            return (Rejected(request, ex.Message), null);
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<(Outcome Outcome, byte[]? Body)> FetchSmallAsync(FillRequest request, long limit, CancellationToken token)
    {
        using var response = await upstream.GetAsync(UpstreamRequestOf(request), token).ConfigureAwait(false);
        if (response.Status != OutcomeKind.Ok)
        {
            return (response.ToOutcome(), null);
        }

        if (response.ContentLength > limit)
        {
            return (Rejected(request, $"the upstream answer of {response.ContentLength} bytes is over the limit of {limit}"), null);
        }

        try
        {
            return (Outcome.Ok, await BoundedRead.ReadAllAsync(response.Content!, limit, "the upstream answer", token).ConfigureAwait(false));
        }
        catch (FillRejectedException ex)
        {
            return (Rejected(request, ex.Message), null);
        }
    }

    private static ModuleUpstreamRequest UpstreamRequestOf(FillRequest request) =>
        new(request.ModulePath, request.Key.EscapedPath, request.File switch
        {
            ModuleFile.Info => ProxyRequestKind.Info,
            ModuleFile.Mod => ProxyRequestKind.Mod,
            _ => ProxyRequestKind.Zip,
        }, request.Key.EscapedVersion);

    private Outcome Rejected(FillRequest request, string why)
    {
        Log.Refused(logger, request.ModulePath, request.Version, request.FileName, why);
        return new Outcome(OutcomeKind.Rejected, $"{request.What}: {why}");
    }

    private static Outcome FromVerdict(ChecksumVerdict verdict) => verdict.Status switch
    {
        ChecksumStatus.TimedOut => new Outcome(OutcomeKind.UpstreamTimeout, verdict.Message),
        ChecksumStatus.Unavailable => new Outcome(OutcomeKind.UpstreamFailed, verdict.Message),
        _ => new Outcome(OutcomeKind.Rejected, verdict.Message),
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 2108, Level = LogLevel.Debug, Message = "Zip of {ModulePath}@{Version} ({Bytes} bytes) filled: upstream to spool {SpoolMs:F1} ms, zip rules {CheckMs:F1} ms, checksums and go.mod {VerifyMs:F1} ms, commit {CommitMs:F1} ms")]
        public static partial void ZipFilled(ILogger logger, string modulePath, string version, long bytes, double spoolMs, double checkMs, double verifyMs, double commitMs);

        [LoggerMessage(EventId = 2109, Level = LogLevel.Warning, Message = "{ModulePath}@{Version} was filled but its module index entry could not be written: {Reason}")]
        public static partial void IndexFailed(ILogger logger, string modulePath, string version, string reason);

        [LoggerMessage(EventId = 2115, Level = LogLevel.Warning, Message = "{ModulePath}@{Version} .{File} was filled but its h1 record could not be written: {Reason}")]
        public static partial void HashRecordFailed(ILogger logger, string modulePath, string version, string file, string reason);

        [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Refused {ModulePath}@{Version} .{File} from upstream: {Reason}")]
        public static partial void Refused(ILogger logger, string modulePath, string version, string file, string reason);
    }
}
