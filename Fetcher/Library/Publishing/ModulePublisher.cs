using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Publishing;

/// <summary>How an upload ended: an HTTP status, a message for the uploader (nothing internal), and the zip's h1.</summary>
/// <param name="StatusCode">201 published, 200 the same content was already there, 400/403/409/413/503 otherwise.</param>
/// <param name="Message">One line for the uploader.</param>
/// <param name="Hash">The h1: of the zip when it was checked.</param>
public sealed record PublishResult(int StatusCode, string Message, string? Hash = null);

/// <summary>One upload: the module version, its zip (any stream, read once), an optional separate go.mod, and who.</summary>
/// <param name="ModulePath">The decoded module path.</param>
/// <param name="Version">The version (must be canonical, not a pseudo-version).</param>
/// <param name="Zip">The zip bytes as they arrive.</param>
/// <param name="GoMod">A go.mod given beside the zip, or null.</param>
/// <param name="User">The uploader (for the audit log and the webhook), as the gateway authenticated it.</param>
/// <param name="Remote">The uploader's address, for the audit log.</param>
public sealed record PublishRequest(string ModulePath, string Version, Stream Zip, byte[]? GoMod, string User, string Remote);

/// <summary>
/// Publishes a private module version: the upload is spooled to a private temp file, checked by the same module zip
/// rules as a fill (paths, sizes, go.mod declaring the module), and committed like a fill (zip, then go.mod, then a
/// generated .info, each an atomic write) while holding the three files' fill locks, so no fill of the same version
/// interleaves. A version is immutable: the same content again (equal h1) succeeds and changes nothing, different
/// content is refused (409). A new version gets an entry in the shared module index (so list, @latest and the feed
/// show it on every node at once) and is announced to the webhooks.
/// </summary>
public sealed partial class ModulePublisher
{
    private static readonly Counter<long> Publishes = FetcherTelemetry.Meter.CreateCounter<long>("modmesh.publish.requests", description: "Uploads of private module versions, by status.");

    private readonly ModuleStore _store;
    private readonly ModuleIndex _index;
    private readonly ILockProvider _locks;
    private readonly INegativeCache _negative;
    private readonly PublishWebhooks _webhooks;
    private readonly FillOptions _fill;
    private readonly PublishOptions _options;
    private readonly ModulePatternSet _private;
    private readonly TimeProvider _time;
    private readonly ILogger<ModulePublisher> _logger;

    /// <summary>A publisher over the shared store and coordinator.</summary>
    public ModulePublisher(
        ModuleStore store,
        ModuleIndex index,
        ILockProvider locks,
        INegativeCache negative,
        PublishWebhooks webhooks,
        IOptions<FillOptions> fill,
        IOptions<UpstreamOptions> upstream,
        IOptions<PublishOptions> options,
        TimeProvider time,
        ILogger<ModulePublisher> logger)
    {
        _store = store;
        _index = index;
        _locks = locks;
        _negative = negative;
        _webhooks = webhooks;
        _fill = fill.Value;
        _options = options.Value;
        _private = ModulePatternSet.Parse(upstream.Value.Private, ignoreCase: !upstream.Value.CaseSensitivePatterns);
        _time = time;
        _logger = logger;
    }

    /// <summary>The largest upload accepted (zip plus a separate go.mod plus form overhead).</summary>
    public long MaxUploadBytes => _fill.MaxZipBytes + _fill.MaxModBytes + (64 << 10);

    /// <summary>The largest separate go.mod accepted.</summary>
    public long MaxGoModBytes => _fill.MaxModBytes;

    /// <summary>A private temp file for an upload on its way in (deleted when closed).</summary>
    public FileStream CreateSpool() => Spool.Create(Spool.FolderOf(_fill));

    /// <summary>Whether <paramref name="modulePath"/> may be published here (it matches ModMesh:Private).</summary>
    public bool IsPublishable(string modulePath) => _private.Matches(modulePath);

    /// <summary>The last task announcing a version to the webhooks (tests wait on it).</summary>
    internal Task LastAnnouncement { get; private set; } = Task.CompletedTask;

    /// <summary>Checks and commits one upload; see the class summary.</summary>
    public async Task<PublishResult> PublishAsync(PublishRequest upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        using var activity = FetcherTelemetry.Source.StartActivity("publish");
        activity?.SetTag("module.path", upload.ModulePath);
        activity?.SetTag("module.version", upload.Version);
        activity?.SetTag("enduser.id", upload.User);
        var result = await PublishCheckedAsync(upload, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("http.response.status_code", result.StatusCode);
        Publishes.Add(1, new KeyValuePair<string, object?>("status", result.StatusCode));
        Log.Published(_logger, result.StatusCode, upload.User, upload.ModulePath, upload.Version, result.Hash ?? "", upload.Remote, result.Message);
        return result;
    }

    private async Task<PublishResult> PublishCheckedAsync(PublishRequest upload, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return new PublishResult(403, "publishing is turned off on this proxy (ModMesh:Publish:Enabled)");
        }

        if (!Protocol.ModulePath.IsValid(upload.ModulePath, out var pathError))
        {
            return new PublishResult(400, $"not a valid module path: {pathError}");
        }

        if (!IsPublishable(upload.ModulePath))
        {
            return new PublishResult(403, $"{upload.ModulePath} is not a private module path of this proxy; only private modules can be published");
        }

        if (PseudoVersion.IsPseudoVersion(upload.Version))
        {
            return new PublishResult(400, $"{ClientText.Escape(upload.Version, 80)} is a pseudo-version; publish a release or pre-release version");
        }

        if (!FillRequest.TryCreate(upload.ModulePath, upload.Version, ModuleFile.Zip, out var zipFill, out var versionError))
        {
            return new PublishResult(400, $"{upload.ModulePath}@{ClientText.Escape(upload.Version, 80)}: {versionError}");
        }

        await using var spool = Spool.Create(Spool.FolderOf(_fill));
        try
        {
            var limited = new LimitedReadStream(upload.Zip, _fill.MaxZipBytes, "the module zip");
            await limited.CopyToAsync(spool, Spool.Buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (FillRejectedException ex)
        {
            return new PublishResult(413, ex.Message);
        }

        spool.Position = 0;
        var report = ModuleZip.Inspect(spool, upload.ModulePath, upload.Version, new ModuleZipLimits { MaxZipBytes = _fill.MaxZipBytes });
        if (report.Problem is not null)
        {
            return new PublishResult(400, $"the zip breaks the module zip rules: {report.Problem}");
        }

        var goMod = report.GoMod;
        if (goMod is not null && upload.GoMod is not null && !goMod.AsSpan().SequenceEqual(upload.GoMod))
        {
            return new PublishResult(400, "the go.mod given beside the zip differs from the go.mod inside it", report.Hash);
        }

        if (goMod is not null && upload.Version.EndsWith("+incompatible", StringComparison.Ordinal))
        {
            return new PublishResult(400, "a +incompatible version has no go.mod file; this zip has one", report.Hash);
        }

        // As the go command does for a module without a go.mod: a one-line go.mod naming the module.
        goMod ??= upload.GoMod ?? Encoding.UTF8.GetBytes($"module {upload.ModulePath}\n");
        if (GoModFile.CheckDeclares(goMod, upload.ModulePath) is { } wrongModule)
        {
            return new PublishResult(400, $"the go.mod is unusable: {wrongModule}", report.Hash);
        }

        var fills = new[] { zipFill, zipFill with { File = ModuleFile.Mod }, zipFill with { File = ModuleFile.Info } };
        var leases = await AcquireAllAsync(fills, cancellationToken).ConfigureAwait(false);
        if (leases is null)
        {
            return new PublishResult(503, $"{upload.ModulePath}@{upload.Version} is being published or fetched right now; retry shortly", report.Hash);
        }

        try
        {
            return await CommitHoldingLocksAsync(upload, fills, spool, report.Hash!, goMod, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var lease in leases)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<PublishResult> CommitHoldingLocksAsync(PublishRequest upload, FillRequest[] files, FileStream spool, string hash, byte[] goMod, CancellationToken cancellationToken)
    {
        var key = files[0].Key;
        var what = $"{upload.ModulePath}@{upload.Version}";
        var existingZip = await CommittedZipHashAsync(upload, key, cancellationToken).ConfigureAwait(false);
        if (existingZip is not null && !string.Equals(existingZip, hash, StringComparison.Ordinal))
        {
            return new PublishResult(409, $"{what} already exists with different content ({existingZip}); a published version never changes, publish a new version", hash);
        }

        var existingMod = await _store.ReadSmallAsync(key, ModuleFile.Mod, _fill.MaxModBytes, cancellationToken).ConfigureAwait(false);
        if (existingMod is not null && !existingMod.AsSpan().SequenceEqual(goMod))
        {
            return new PublishResult(409, $"{what} already exists with a different go.mod; a published version never changes, publish a new version", hash);
        }

        var isNew = existingZip is null;
        if (isNew)
        {
            spool.Position = 0;
            await _store.CommitAsync(key, ModuleFile.Zip, spool, cancellationToken).ConfigureAwait(false);
            await RecordHashAsync(upload, key, ModuleFile.Zip, hash, cancellationToken).ConfigureAwait(false);
        }

        if (existingMod is null)
        {
            using var mod = new MemoryStream(goMod, writable: false);
            await _store.CommitAsync(key, ModuleFile.Mod, mod, cancellationToken).ConfigureAwait(false);
            await RecordHashAsync(upload, key, ModuleFile.Mod, DirHash.HashGoMod(goMod), cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow().ToUniversalTime();
        if (!await _store.IsCommittedAsync(key, ModuleFile.Info, cancellationToken).ConfigureAwait(false))
        {
            // The .info is written last: a version shows in list and @latest once all three files are there.
            var info = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"Version\":\"{upload.Version}\",\"Time\":\"{now:yyyy-MM-ddTHH:mm:ssZ}\"}}"));
            using var content = new MemoryStream(info, writable: false);
            await _store.CommitAsync(key, ModuleFile.Info, content, cancellationToken).ConfigureAwait(false);
            isNew = true;
        }

        // Anything remembered about these files from before ("not found") is wrong from now on.
        foreach (var file in files)
        {
            await _negative.RemoveAsync(file.CoordinationKey, cancellationToken).ConfigureAwait(false);
        }

        if (!isNew)
        {
            return new PublishResult(200, $"{what} was already published with this content ({hash}); nothing changed", hash);
        }

        var stamp = await _index.AddAsync(key, cancellationToken).ConfigureAwait(false);
        LastAnnouncement = _webhooks.AnnounceAsync(new PublishedVersion("module.published", upload.ModulePath, upload.Version, stamp, hash, upload.User));
        return new PublishResult(201, $"published {what} ({hash})", hash);
    }

    /// <summary>Records the h1 of a file just committed (for <c>modmesh verify</c>); a failure is logged, the upload stands.</summary>
    private async Task RecordHashAsync(PublishRequest upload, ModuleVersionKey key, ModuleFile file, string hash, CancellationToken cancellationToken)
    {
        try
        {
            await _store.RecordHashAsync(key, file, hash, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or Storage.BlobStoreUnavailableException or UnauthorizedAccessException)
        {
            Log.HashRecordFailed(_logger, upload.ModulePath, upload.Version, ModuleStore.Extension(file), ex.Message);
        }
    }

    /// <summary>The h1 of the committed zip of the version, or null when there is none.</summary>
    private async Task<string?> CommittedZipHashAsync(PublishRequest upload, ModuleVersionKey key, CancellationToken cancellationToken)
    {
        var committed = await _store.GetCommittedAsync(key, ModuleFile.Zip, cancellationToken).ConfigureAwait(false);
        if (committed is null)
        {
            return null;
        }

        var limits = new ModuleZipLimits { MaxZipBytes = _fill.MaxZipBytes };
        if (committed.Bytes is { } bytes)
        {
            using var memory = new MemoryStream(bytes, writable: false);
            return ModuleZip.Inspect(memory, upload.ModulePath, upload.Version, limits).Hash ?? "an unreadable zip";
        }

        if (committed.LocalPath is { } path)
        {
            await using var local = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, Spool.Buffer, FileOptions.RandomAccess);
            return ModuleZip.Inspect(local, upload.ModulePath, upload.Version, limits).Hash ?? "an unreadable zip";
        }

        await using var copy = Spool.Create(Spool.FolderOf(_fill));
        await using (var reader = committed.Reader!)
        {
            await reader.Content.CopyToAsync(copy, Spool.Buffer, cancellationToken).ConfigureAwait(false);
        }

        copy.Position = 0;
        return ModuleZip.Inspect(copy, upload.ModulePath, upload.Version, limits).Hash ?? "an unreadable zip";
    }

    /// <summary>
    /// Takes the fill locks of all three files (in a fixed order), retrying until <see cref="PublishOptions.LockWait"/>;
    /// null when they stay busy. The locks live long enough for a large commit: a publisher that dies frees them then.
    /// </summary>
    private async Task<List<ILockLease>?> AcquireAllAsync(FillRequest[] files, CancellationToken cancellationToken)
    {
        var timeToLive = TimeSpan.FromMinutes(2) > _fill.LockTimeToLive ? TimeSpan.FromMinutes(2) : _fill.LockTimeToLive;
        var deadline = _time.GetUtcNow() + _options.LockWait;
        while (true)
        {
            var held = new List<ILockLease>(files.Length);
            foreach (var file in files)
            {
                var lease = await _locks.TryAcquireAsync(file.CoordinationKey, timeToLive, cancellationToken).ConfigureAwait(false);
                if (lease is null)
                {
                    break;
                }

                held.Add(lease);
            }

            if (held.Count == files.Length)
            {
                return held;
            }

            foreach (var lease in held)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }

            if (_time.GetUtcNow() >= deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2609, Level = LogLevel.Warning, Message = "{ModulePath}@{Version} {File} was published but its h1 record could not be written: {Reason}")]
        public static partial void HashRecordFailed(ILogger logger, string modulePath, string version, string file, string reason);

        [LoggerMessage(EventId = 2603, Level = LogLevel.Information, Message = "Publish ({Status}) by user '{User}': {ModulePath}@{Version} {Hash} from {Remote}: {Result}")]
        public static partial void Published(ILogger logger, int status, string user, string modulePath, string version, string hash, string remote, string result);
    }
}
