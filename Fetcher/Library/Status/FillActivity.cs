using System.Collections.Concurrent;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;

namespace ModMesh.Fetcher.Status;

/// <summary>
/// What a process's status page shows of its fill path, kept cheaply where it happens: the last
/// <see cref="FillWindow"/> fills (a ring written with one interlocked increment), per upstream the outcome and
/// latency of its recent answers (a ring per upstream), and how many GOPROXY file reads the store answered versus how
/// many needed a fill. No locks on the request path; a snapshot copies the rings.
/// </summary>
public sealed class FillActivity(TimeProvider time)
{
    /// <summary>Fills kept.</summary>
    public const int FillWindow = 50;

    private const int LatencyWindow = 128;
    private readonly FillSeen?[] _fills = new FillSeen?[FillWindow];
    private readonly ConcurrentDictionary<string, UpstreamTrack> _upstreams = new(StringComparer.Ordinal);
    private readonly AsyncLocal<FillSource?> _current = new();
    private long _nextFill;
    private long _storeHits;
    private long _storeMisses;

    /// <summary>Counts one GOPROXY file read: answered from the store (<paramref name="hit"/>) or sent to a fill.</summary>
    public void RecordStoreLookup(bool hit) => Interlocked.Increment(ref hit ? ref _storeHits : ref _storeMisses);

    /// <summary>
    /// Marks the fill running in this async flow: the upstream that answers it (see <see cref="RecordUpstream"/>) is
    /// remembered in the returned holder.
    /// </summary>
    internal FillSource BeginFill()
    {
        var source = new FillSource();
        _current.Value = source;
        return source;
    }

    /// <summary>
    /// Records one upstream answer: <paramref name="ok"/> when it answered (2xx, 404, 410), false for errors, 5xx and
    /// timeouts; <paramref name="failure"/> says which, in a few words with no address.
    /// </summary>
    internal void RecordUpstream(string upstream, bool ok, TimeSpan elapsed, string? failure = null, bool served = false)
    {
        var track = _upstreams.GetOrAdd(upstream, static _ => new UpstreamTrack());
        track.Record(time.GetUtcNow(), ok, elapsed.TotalMilliseconds, failure);
        if (served && _current.Value is { } source)
        {
            source.Upstream = upstream;
        }
    }

    /// <summary>Records a fill that ended: by whom ("this node", "fetchers"), from which upstream when known.</summary>
    internal void RecordFill(FillRequest request, OutcomeKind outcome, TimeSpan duration, string by, string? upstream)
    {
        var slot = Interlocked.Increment(ref _nextFill) - 1;
        Volatile.Write(ref _fills[slot % FillWindow], new FillSeen(time.GetUtcNow(), request.ModulePath, request.Version, request.FileName, outcome.ToString(), duration.TotalMilliseconds, by, upstream));
    }

    /// <summary>The recent fills (newest first), the upstreams, the store's hits and misses.</summary>
    public FillActivitySnapshot Snapshot()
    {
        var fills = _fills.OfType<FillSeen>().OrderByDescending(f => f.At).ToList();
        var upstreams = _upstreams.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => u.Value.Snapshot(u.Key)).ToList();
        return new FillActivitySnapshot(fills, upstreams, Interlocked.Read(ref _storeHits), Interlocked.Read(ref _storeMisses));
    }

    /// <summary>The upstream that served the fill of one async flow.</summary>
    internal sealed class FillSource
    {
        public string? Upstream { get; set; }
    }

    private sealed class UpstreamTrack
    {
        private readonly double[] _latencies = new double[LatencyWindow];
        private long _next;
        private long _requests;
        private long _errors;
        private long _lastSuccessTicks;
        private long _lastFailureTicks;
        private string? _lastFailure;

        public void Record(DateTimeOffset now, bool ok, double milliseconds, string? failure)
        {
            var slot = Interlocked.Increment(ref _next) - 1;
            Volatile.Write(ref _latencies[slot % LatencyWindow], milliseconds);
            Interlocked.Increment(ref _requests);
            if (ok)
            {
                Interlocked.Exchange(ref _lastSuccessTicks, now.UtcTicks);
            }
            else
            {
                Interlocked.Increment(ref _errors);
                Volatile.Write(ref _lastFailure, failure ?? "failed");
                Interlocked.Exchange(ref _lastFailureTicks, now.UtcTicks);
            }
        }

        public UpstreamSeen Snapshot(string name)
        {
            var count = (int)Math.Min(Interlocked.Read(ref _next), LatencyWindow);
            var sorted = _latencies.Take(count).Order().ToArray();
            long success = Interlocked.Read(ref _lastSuccessTicks), failure = Interlocked.Read(ref _lastFailureTicks);
            return new UpstreamSeen(
                name,
                Interlocked.Read(ref _requests),
                Interlocked.Read(ref _errors),
                success == 0 ? null : new DateTimeOffset(success, TimeSpan.Zero),
                failure == 0 ? null : new DateTimeOffset(failure, TimeSpan.Zero),
                failure == 0 ? null : Volatile.Read(ref _lastFailure),
                Percentile(sorted, 0.50),
                Percentile(sorted, 0.99));
        }

        private static double Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>One fill that ended.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Module">The module path.</param>
/// <param name="Version">The version.</param>
/// <param name="File">"info", "mod" or "zip".</param>
/// <param name="Outcome">The outcome's kind (Ok, NotFound, UpstreamFailed, ...).</param>
/// <param name="Milliseconds">How long it took (for "fetchers": how long this node waited).</param>
/// <param name="By">"this node" (filled here) or "fetchers" (queued, filled by a fetcher).</param>
/// <param name="Upstream">The upstream host that served it, when filled here and known.</param>
public sealed record FillSeen(DateTimeOffset At, string Module, string Version, string File, string Outcome, double Milliseconds, string By, string? Upstream);

/// <summary>One upstream's recent answers: the host only (never credentials or paths).</summary>
public sealed record UpstreamSeen(string Upstream, long Requests, long Errors, DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastFailureReason, double P50Milliseconds, double P99Milliseconds);

/// <summary>A copy of <see cref="FillActivity"/> at one moment.</summary>
public sealed record FillActivitySnapshot(IReadOnlyList<FillSeen> Fills, IReadOnlyList<UpstreamSeen> Upstreams, long StoreHits, long StoreMisses);
