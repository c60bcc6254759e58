using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Retention;

/// <summary>
/// Which versions are requested: on this node, the versions being served right now (a count per version, held until
/// the response is complete), and cluster-wide, a last-requested marker per version in the shared store
/// (<see cref="ModuleStore.UsedMarkerKeyOf"/>, holding the node's clock time as RFC 3339 text). A node rewrites a
/// version's marker at most once per <see cref="RetentionOptions.MarkerRefreshInterval"/>, deduplicated in memory;
/// writes go through a bounded queue drained in the background, so a request never waits for one (when the queue is
/// full a marker is skipped and written on a later request).
/// </summary>
internal sealed partial class ModuleUsage : BackgroundService
{
    /// <summary>Markers waiting to be written, at most.</summary>
    private const int QueueCapacity = 10_000;

    /// <summary>Versions remembered as marked, at most; older entries are dropped beyond it (they are rewritten on their next request).</summary>
    private const int MaxRemembered = 200_000;

    private readonly ModuleStore _store;
    private readonly RetentionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ModuleUsage> _logger;
    private readonly ConcurrentDictionary<ModuleVersionKey, DateTimeOffset> _marked = new();
    private readonly ConcurrentDictionary<ModuleVersionKey, int> _reading = new();
    private readonly Channel<(ModuleVersionKey Version, DateTimeOffset At)> _queue =
        Channel.CreateBounded<(ModuleVersionKey, DateTimeOffset)>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _queued;
    private long _written;

    public ModuleUsage(ModuleStore store, IOptions<RetentionOptions> options, TimeProvider time, ILogger<ModuleUsage> logger)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Notes that a file of <paramref name="version"/> is being asked for: counted as in flight until the returned
    /// handle is disposed. The marker is refreshed by <see cref="Touch"/> once the file is known to exist.
    /// </summary>
    public IDisposable BeginRead(ModuleVersionKey version)
    {
        _reading.AddOrUpdate(version, 1, static (_, n) => n + 1);
        return new Reading(this, version);
    }

    /// <summary>True while this node serves a file of <paramref name="version"/>.</summary>
    public bool IsBeingRead(ModuleVersionKey version) => _reading.ContainsKey(version);

    /// <summary>Resolves once every marker queued so far was written (or failed). For tests and shutdown.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _queued);
        while (Interlocked.Read(ref _written) < target)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a marker's time; null when there is none or it is not a marker.</summary>
    public async Task<DateTimeOffset?> ReadMarkerAsync(ModuleVersionKey version, CancellationToken cancellationToken)
    {
        await using var reader = await _store.Blobs.OpenReadAsync(ModuleStore.UsedMarkerKeyOf(version), cancellationToken).ConfigureAwait(false);
        if (reader is null || reader.Properties.Length > 64)
        {
            return null;
        }

        var bytes = new byte[reader.Properties.Length];
        await reader.Content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return DateTimeOffset.TryParse(Encoding.ASCII.GetString(bytes), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    /// <summary>Forgets that this node marked <paramref name="version"/> (its marker was deleted).</summary>
    public void ForgetMarked(ModuleVersionKey version) => _marked.TryRemove(version, out _);

    /// <summary>
    /// Notes that a committed file of <paramref name="version"/> was served: its marker is queued for writing when this
    /// node has not written it within the refresh interval. Only for files that exist: a request for a version anyone
    /// can invent must not make the store grow.
    /// </summary>
    public void Touch(ModuleVersionKey version)
    {
        if (!_options.TrackRequests)
        {
            return;
        }

        var now = _time.GetUtcNow();
        while (true)
        {
            if (_marked.TryGetValue(version, out var last))
            {
                if (now - last < _options.MarkerRefreshInterval || !_marked.TryUpdate(version, now, last))
                {
                    return; // fresh, or another request of this version is writing it now
                }

                break;
            }

            if (_marked.TryAdd(version, now))
            {
                break;
            }
        }

        if (_queue.Writer.TryWrite((version, now)))
        {
            Interlocked.Increment(ref _queued);
        }
        else
        {
            _marked.TryRemove(version, out _); // the queue is full: the next request tries again
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (version, at) in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    using var content = new MemoryStream(Encoding.ASCII.GetBytes(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)), writable: false);
                    await _store.Blobs.PutAsync(ModuleStore.UsedMarkerKeyOf(version), content, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    _marked.TryRemove(version, out _);
                    Log.MarkerFailed(_logger, version.ToString(), ex.Message);
                }
                finally
                {
                    Interlocked.Increment(ref _written);
                }

                if (_marked.Count > MaxRemembered)
                {
                    var cutoff = _time.GetUtcNow() - _options.MarkerRefreshInterval;
                    foreach (var (key, marked) in _marked)
                    {
                        if (marked < cutoff)
                        {
                            _marked.TryRemove(key, out _);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: markers still queued are lost, and rewritten on the versions' next requests anywhere.
        }
    }

    private void EndRead(ModuleVersionKey version)
    {
        while (_reading.TryGetValue(version, out var n))
        {
            if (n <= 1 ? _reading.TryRemove(new KeyValuePair<ModuleVersionKey, int>(version, n)) : _reading.TryUpdate(version, n - 1, n))
            {
                return;
            }
        }
    }

    private sealed class Reading(ModuleUsage owner, ModuleVersionKey version) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.EndRead(version);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "The last-requested marker of {Version} could not be written: {Reason}")]
        public static partial void MarkerFailed(ILogger logger, string version, string reason);
    }
}
