using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModMesh.CacheNode.Admin;
using ModMesh.CacheNode.Apis;
using ModMesh.Coordination;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Storage;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Retention;

/// <summary>
/// Runs retention passes (see <see cref="RetentionOptions"/>) every Interval on exactly one node at a time: a pass
/// first takes the lease <see cref="LeaseResource"/> through the cluster's lock provider (Redis in the distributed mode,
/// in-process in the embedded one), renews it at a third of its time to live while it runs, and stops at once when a
/// renewal fails (another node may have taken over). Whatever it did is reported (<see cref="RetentionReport"/>).
/// </summary>
internal sealed partial class RetentionService : BackgroundService
{
    /// <summary>The lock resource of the pass's lease.</summary>
    public const string LeaseResource = "retention/pass";

    internal static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly ModuleStore _store;
    private readonly ModuleUsage _usage;
    private readonly VersionRemover _remover;
    private readonly ILockProvider _locks;
    private readonly RetentionOptions _options;
    private readonly ModulePatternSet _private;
    private readonly TimeProvider _time;
    private readonly ILogger<RetentionService> _logger;
    private readonly Counter<long> _removedVersions;
    private readonly Counter<long> _removedBytes;

    public RetentionService(
        ModuleStore store,
        ModuleUsage usage,
        VersionRemover remover,
        ILockProvider locks,
        IOptions<RetentionOptions> options,
        IOptions<UpstreamOptions> upstream,
        TimeProvider time,
        IMeterFactory meters,
        ILogger<RetentionService> logger)
    {
        _store = store;
        _usage = usage;
        _remover = remover;
        _locks = locks;
        _options = options.Value;
        _private = ModulePatternSet.Parse(upstream.Value.Private, ignoreCase: !upstream.Value.CaseSensitivePatterns);
        _time = time;
        _logger = logger;
        var meter = meters.Create(GoProxyApi.TelemetryName);
        _removedVersions = meter.CreateCounter<long>("modmesh.retention.removed.versions", description: "Module versions removed by retention passes (dry runs counted apart).");
        _removedBytes = meter.CreateCounter<long>("modmesh.retention.removed.bytes", unit: "By", description: "Bytes removed by retention passes, by kind (version, query, sumdb; dry runs counted apart).");
    }

    /// <summary>For tests: runs inside a pass once the lease is held, before anything is looked at.</summary>
    internal Func<CancellationToken, Task>? LeaseTaken { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            await Task.Delay(_options.FirstPassDelay < _options.Interval ? _options.FirstPassDelay : _options.Interval, _time, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (await RunPassAsync(_options.DryRun, stoppingToken).ConfigureAwait(false) is null)
                    {
                        Log.LeaseHeldElsewhere(_logger);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Log.PassFailed(_logger, ex);
                }

                await Task.Delay(_options.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Runs one pass now if this node gets the lease; null when another node holds it. The report is written to the
    /// store and the log whether the pass completed or stopped early.
    /// </summary>
    public async Task<RetentionReport?> RunPassAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var ttl = _options.LeaseTimeToLive;
        var lease = await _locks.TryAcquireAsync(LeaseResource, ttl, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return null;
        }

        await using (lease.ConfigureAwait(false))
        {
            using var pass = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var leaseLost = false;
            using var stopRenewing = new CancellationTokenSource();
            var renewing = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await Task.Delay(ttl / 3, _time, stopRenewing.Token).ConfigureAwait(false);
                        if (!await lease.RenewAsync(ttl, stopRenewing.Token).ConfigureAwait(false))
                        {
                            leaseLost = true;
                            await pass.CancelAsync().ConfigureAwait(false);
                            return;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception ex)
                {
                    // The coordinator failed: the lease may run out under us, so stop rather than risk a second runner.
                    Log.PassFailed(_logger, ex);
                    leaseLost = true;
                    await pass.CancelAsync().ConfigureAwait(false);
                }
            }, CancellationToken.None);

            var builder = new ReportBuilder(_options, dryRun, _time.GetUtcNow());
            try
            {
                if (LeaseTaken is { } hook)
                {
                    await hook(pass.Token).ConfigureAwait(false);
                }

                await RemoveVersionsAsync(builder, dryRun, pass.Token).ConfigureAwait(false);
                await RemoveQueriesAsync(builder, dryRun, pass.Token).ConfigureAwait(false);
                await RemoveSumdbAsync(builder, dryRun, pass.Token).ConfigureAwait(false);
                builder.Completed = true;
            }
            catch (OperationCanceledException) when (leaseLost && !cancellationToken.IsCancellationRequested)
            {
                builder.StoppedBecause = "the lease was lost (another node may run the next pass)";
            }
            catch (Exception ex) when (ex is IOException or BlobStoreUnavailableException or UnauthorizedAccessException)
            {
                Log.PassFailed(_logger, ex);
                builder.StoppedBecause = "the blob store failed (see the node's log)";
            }
            finally
            {
                await stopRenewing.CancelAsync().ConfigureAwait(false);
                await renewing.ConfigureAwait(false);
            }

            var report = builder.Build(_time.GetUtcNow());
            await WriteReportAsync(report, cancellationToken).ConfigureAwait(false);
            Log.PassDone(_logger, report.DryRun, report.Completed, report.Versions.Count, report.Versions.Bytes, report.Queries.Count, report.Queries.Bytes,
                report.Sumdb.Count, report.Sumdb.Bytes, report.KeptRecent, report.KeptPrivate, report.KeptInFlight, report.StoppedBecause ?? "");
            var dry = new KeyValuePair<string, object?>("dry_run", dryRun);
            _removedVersions.Add(report.Versions.Count, dry);
            _removedBytes.Add(report.Versions.Bytes, new KeyValuePair<string, object?>("kind", "version"), dry);
            _removedBytes.Add(report.Queries.Bytes, new KeyValuePair<string, object?>("kind", "query"), dry);
            _removedBytes.Add(report.Sumdb.Bytes, new KeyValuePair<string, object?>("kind", "sumdb"), dry);
            return report;
        }
    }

    /// <summary>The last report written by any node, as stored (JSON), or null when there is none.</summary>
    public async Task<byte[]?> ReadLastReportAsync(CancellationToken cancellationToken)
    {
        await using var reader = await _store.Blobs.OpenReadAsync(ModuleStore.RetentionReportKey, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await reader.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task WriteReportAsync(RetentionReport report, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(report, ReportJson), writable: false);
            await _store.Blobs.PutAsync(ModuleStore.RetentionReportKey, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or BlobStoreUnavailableException or UnauthorizedAccessException)
        {
            Log.PassFailed(_logger, ex);
        }
    }

    private async Task RemoveVersionsAsync(ReportBuilder report, bool dryRun, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var threshold = now - _options.MaxUnusedAge;
        await foreach (var version in _store.ListVersionsAsync("", cancellationToken).ConfigureAwait(false))
        {
            // Keys that do not decode are not module versions: skipped, never deleted.
            if (!CaseEncoding.TryUnescapePath(version.EscapedPath, out var path, out _) || !CaseEncoding.TryUnescapeVersion(version.EscapedVersion, out var semver, out _))
            {
                continue;
            }

            if (report.HasSeen(version))
            {
                continue;
            }

            if (_private.Matches(path))
            {
                report.KeptPrivate++;
                continue;
            }

            if (_usage.IsBeingRead(version))
            {
                report.KeptInFlight++;
                continue;
            }

            var files = await _remover.FilesOfAsync(version, cancellationToken).ConfigureAwait(false);
            if (files.Count == 0)
            {
                continue;
            }

            var lastUsed = files.Max(f => f.Committed);
            if (lastUsed > threshold)
            {
                report.KeptRecent++;
                continue;
            }

            if (await _usage.ReadMarkerAsync(version, cancellationToken).ConfigureAwait(false) is { } marker)
            {
                // The marker is rewritten at most once per refresh interval: the last request may be that much later.
                var latest = marker + _options.MarkerRefreshInterval;
                if (latest > lastUsed)
                {
                    lastUsed = latest;
                }

                if (lastUsed > threshold)
                {
                    report.KeptRecent++;
                    continue;
                }
            }

            if (report.Versions >= _options.MaxVersionsPerPass)
            {
                report.StoppedBecause = $"removed MaxVersionsPerPass ({_options.MaxVersionsPerPass}) versions; the next pass goes on";
                return;
            }

            IReadOnlyList<RemovedFile> removed;
            if (dryRun)
            {
                removed = [.. files.Select(f => new RemovedFile(ModuleStore.Extension(f.File)[1..], f.Bytes))];
            }
            else
            {
                // Looked at once more right before: a request that began on this node since is never cut off.
                if (_usage.IsBeingRead(version))
                {
                    report.KeptInFlight++;
                    continue;
                }

                removed = await _remover.RemoveAsync(version, cancellationToken).ConfigureAwait(false);
                Log.VersionRemoved(_logger, path, semver, removed.Sum(f => f.Bytes), lastUsed);
            }

            report.AddVersion(new RetentionVersion(path, semver, lastUsed, [.. removed.Select(f => f.File)], removed.Sum(f => f.Bytes)));
        }
    }

    private async Task RemoveQueriesAsync(ReportBuilder report, bool dryRun, CancellationToken cancellationToken)
    {
        if (_options.QueryMaxAge <= TimeSpan.Zero)
        {
            return;
        }

        var threshold = _time.GetUtcNow() - _options.QueryMaxAge;
        await foreach (var key in _store.Blobs.ListKeysAsync(ModuleStore.QueriesRoot, cancellationToken).ConfigureAwait(false))
        {
            if (await _store.Blobs.StatAsync(key, cancellationToken).ConfigureAwait(false) is not { } properties || properties.LastModified > threshold)
            {
                continue;
            }

            if (!dryRun && !await _store.Blobs.DeleteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            report.AddQuery(DescribeQuery(key), properties.Length);
        }
    }

    private async Task RemoveSumdbAsync(ReportBuilder report, bool dryRun, CancellationToken cancellationToken)
    {
        if (_options.SumdbMaxAge <= TimeSpan.Zero && _options.SumdbMaxBytes <= 0)
        {
            return;
        }

        // Only answers under sumdb/: the verified tree heads live under state/ and are never looked at here.
        var answers = new List<(string Key, BlobProperties Properties)>();
        await foreach (var key in _store.Blobs.ListKeysAsync(ModuleStore.SumdbRoot, cancellationToken).ConfigureAwait(false))
        {
            if (await _store.Blobs.StatAsync(key, cancellationToken).ConfigureAwait(false) is { } properties)
            {
                answers.Add((key, properties));
            }
        }

        answers.Sort((a, b) => a.Properties.LastModified.CompareTo(b.Properties.LastModified));
        var total = answers.Sum(a => a.Properties.Length);
        var threshold = _options.SumdbMaxAge > TimeSpan.Zero ? _time.GetUtcNow() - _options.SumdbMaxAge : DateTimeOffset.MinValue;
        foreach (var (key, properties) in answers)
        {
            var tooOld = properties.LastModified < threshold;
            var overBudget = _options.SumdbMaxBytes > 0 && total > _options.SumdbMaxBytes;
            if (!tooOld && !overBudget)
            {
                break; // oldest first: everything after is newer and fits
            }

            if (!dryRun && !await _store.Blobs.DeleteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            total -= properties.Length;
            report.AddSumdb(key[ModuleStore.SumdbRoot.Length..], properties.Length);
        }
    }

    private static string DescribeQuery(string key)
    {
        var at = key.LastIndexOf("/@", StringComparison.Ordinal);
        var escaped = at > ModuleStore.QueriesRoot.Length ? key[ModuleStore.QueriesRoot.Length..at] : key;
        var path = CaseEncoding.TryUnescapePath(escaped, out var decoded, out _) ? decoded : escaped;
        return at > 0 ? $"{path}{key[(at + 1)..]}" : path;
    }

    private sealed class ReportBuilder(RetentionOptions options, bool dryRun, DateTimeOffset startedAt)
    {
        private readonly HashSet<ModuleVersionKey> _seen = [];
        private readonly List<RetentionVersion> _versions = [];
        private readonly List<string> _queries = [];
        private readonly List<string> _sumdb = [];
        private long _versionBytes;
        private int _queryCount;
        private long _queryBytes;
        private int _sumdbCount;
        private long _sumdbBytes;
        private bool _truncated;
        private string? _currentPath;

        public int Versions { get; private set; }

        public int KeptRecent { get; set; }

        public int KeptPrivate { get; set; }

        public int KeptInFlight { get; set; }

        public bool Completed { get; set; }

        public string? StoppedBecause { get; set; }

        /// <summary>True when the version was looked at already (its files are not always next to each other in a listing).</summary>
        public bool HasSeen(ModuleVersionKey version)
        {
            if (version.EscapedPath != _currentPath)
            {
                _seen.Clear(); // a path's keys are one contiguous range: what was seen of earlier paths never comes back
                _currentPath = version.EscapedPath;
            }

            return !_seen.Add(version);
        }

        public void AddVersion(RetentionVersion version)
        {
            Versions++;
            _versionBytes += version.Bytes;
            Add(_versions, version);
        }

        public void AddQuery(string what, long bytes)
        {
            _queryCount++;
            _queryBytes += bytes;
            Add(_queries, what);
        }

        public void AddSumdb(string what, long bytes)
        {
            _sumdbCount++;
            _sumdbBytes += bytes;
            Add(_sumdb, what);
        }

        public RetentionReport Build(DateTimeOffset finishedAt) => new()
        {
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            DryRun = dryRun,
            Node = Environment.MachineName,
            MaxUnusedAge = options.MaxUnusedAge.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            Completed = Completed && StoppedBecause is null,
            StoppedBecause = StoppedBecause,
            Versions = new RetentionCount(Versions, _versionBytes),
            Queries = new RetentionCount(_queryCount, _queryBytes),
            Sumdb = new RetentionCount(_sumdbCount, _sumdbBytes),
            KeptRecent = KeptRecent,
            KeptPrivate = KeptPrivate,
            KeptInFlight = KeptInFlight,
            RemovedVersions = _versions,
            RemovedQueries = _queries,
            RemovedSumdb = _sumdb,
            Truncated = _truncated,
        };

        private void Add<T>(List<T> list, T item)
        {
            if (list.Count < options.MaxReportedVersions)
            {
                list.Add(item);
            }
            else
            {
                _truncated = true;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "Retention pass (dry run: {DryRun}, completed: {Completed}): versions {Versions} ({VersionBytes} bytes), queries {Queries} ({QueryBytes} bytes), sumdb answers {Sumdb} ({SumdbBytes} bytes); kept recent {KeptRecent}, private {KeptPrivate}, in flight {KeptInFlight}. {Stopped}")]
        public static partial void PassDone(ILogger logger, bool dryRun, bool completed, int versions, long versionBytes, int queries, long queryBytes, int sumdb, long sumdbBytes, int keptRecent, int keptPrivate, int keptInFlight, string stopped);

        [LoggerMessage(EventId = 3212, Level = LogLevel.Information, Message = "Retention removed {ModulePath}@{Version} ({Bytes} bytes, last requested at most {LastRequested:o})")]
        public static partial void VersionRemoved(ILogger logger, string modulePath, string version, long bytes, DateTimeOffset lastRequested);

        [LoggerMessage(EventId = 3213, Level = LogLevel.Debug, Message = "Retention pass skipped: another node holds the lease")]
        public static partial void LeaseHeldElsewhere(ILogger logger);

        [LoggerMessage(EventId = 3214, Level = LogLevel.Warning, Message = "A retention pass failed")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
