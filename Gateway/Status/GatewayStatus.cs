using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using ModMesh.Gateway.Routing;

namespace ModMesh.Gateway.Status;

/// <summary>The last probe of a node, as the gateway saw it.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Result">"success", "failure", "timeout" or "draining".</param>
internal sealed record ProbeSeen(DateTimeOffset At, string Result);

/// <summary>The last probe of every node (written by the active health policy, read by the status page).</summary>
internal sealed class ProbeLog(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ProbeSeen> _probes = new(StringComparer.Ordinal);

    /// <summary>Records a probe result of the node at <paramref name="destinationId"/>.</summary>
    public void Record(string destinationId, string result) => _probes[destinationId] = new ProbeSeen(time.GetUtcNow(), result);

    /// <summary>The last probe of a node, or null.</summary>
    public ProbeSeen? Last(string destinationId) => _probes.GetValueOrDefault(destinationId);
}

/// <summary>
/// What the status page and <c>modmesh status</c> show of this gateway: its nodes (active and passive health, requests
/// in flight, last probe), its requests by kind over the last minute (count, errors, p50/p99 latency), and its memory
/// cache's hit ratio. Request figures are kept by <see cref="StatusRecordingMiddleware"/> in a ring of recent requests;
/// cache lookups are counted from the gateway's own meter. Nothing here is exported anywhere: it is a view.
/// </summary>
internal sealed class GatewayStatus : IDisposable
{
    private const int Window = 4096;
    private readonly IProxyStateLookup _proxy;
    private readonly ProbeLog _probes;
    private readonly TimeProvider _time;
    private readonly RequestSample[] _ring = new RequestSample[Window];
    private readonly MeterListener _listener = new();
    private readonly DateTimeOffset _started;
    private long _next;
    private long _cacheHits;
    private long _cacheMisses;

    public GatewayStatus(IProxyStateLookup proxy, ProbeLog probes, TimeProvider time, IMeterFactory? meters = null)
    {
        if (meters is not null)
        {
            var meter = meters.Create(GatewayTelemetry.MeterName);
            meter.CreateObservableGauge(GatewayTelemetry.NodesHealthy, () => CountNodes(inService: true), unit: "{node}",
                description: "Cache nodes this gateway routes to (not taken out by the active or passive health checks).");
            meter.CreateObservableGauge(GatewayTelemetry.Nodes, () => CountNodes(inService: false), unit: "{node}",
                description: "Cache nodes this gateway knows (from discovery or configuration), in service or not.");
        }

        _proxy = proxy;
        _probes = probes;
        _time = time;
        _started = time.GetUtcNow();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayTelemetry.MeterName && instrument.Name == GatewayTelemetry.CacheLookups)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "result")
                {
                    Interlocked.Add(ref (Equals(tag.Value, "hit") ? ref _cacheHits : ref _cacheMisses), value);
                }
            }
        });
        _listener.Start();
    }

    private int CountNodes(bool inService)
    {
        if (!_proxy.TryGetCluster(CacheNodeProxyConfigProvider.ClusterId, out var cluster))
        {
            return 0;
        }

        return inService
            ? cluster.Destinations.Values.Count(d => d.Health.Active != DestinationHealth.Unhealthy && d.Health.Passive != DestinationHealth.Unhealthy)
            : cluster.Destinations.Count;
    }

    /// <summary>Records one answered request.</summary>
    public void RecordRequest(string kind, int status, double milliseconds)
    {
        var slot = Interlocked.Increment(ref _next) - 1;
        _ring[slot % Window] = new RequestSample(_time.GetUtcNow(), kind, status, milliseconds);
    }

    /// <summary>A consistent-enough picture for one page refresh.</summary>
    public StatusSnapshot Snapshot()
    {
        var now = _time.GetUtcNow();
        var nodes = new List<NodeStatus>();
        if (_proxy.TryGetCluster(CacheNodeProxyConfigProvider.ClusterId, out var cluster))
        {
            foreach (var destination in cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal))
            {
                var probe = _probes.Last(destination.DestinationId);
                var health = destination.Health;
                nodes.Add(new NodeStatus(
                    Label(destination.DestinationId),
                    health.Active.ToString(),
                    health.Passive.ToString(),
                    health.Active != DestinationHealth.Unhealthy && health.Passive != DestinationHealth.Unhealthy,
                    destination.ConcurrentRequestCount,
                    probe?.At,
                    probe?.Result));
            }
        }

        var since = now - TimeSpan.FromMinutes(1);
        var recent = _ring.Where(s => s is not null && s.At >= since).ToList();
        var kinds = recent.GroupBy(s => s.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var latencies = g.Select(s => s.Milliseconds).Order().ToArray();
                return new KindStatus(g.Key, g.Count(), g.Count(s => s.Status >= 500), Percentile(latencies, 0.50), Percentile(latencies, 0.99));
            })
            .ToList();
        long hits = Interlocked.Read(ref _cacheHits), misses = Interlocked.Read(ref _cacheMisses);
        return new StatusSnapshot(now, now - _started, nodes, nodes.Count(n => n.InService), kinds,
            new CacheStatus(hits, misses, hits + misses == 0 ? null : (double)hits / (hits + misses)));
    }

    /// <summary>
    /// A node's label on the page: "node-" and the first 8 hex digits of the SHA-256 of its discovery id. Stable, and
    /// an operator can match it (<c>modmesh status</c> prints the same), but no internal address or name reaches
    /// whoever opens the page.
    /// </summary>
    public static string Label(string destinationId) =>
        "node-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(destinationId)))[..8];

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public void Dispose() => _listener.Dispose();

    private sealed record RequestSample(DateTimeOffset At, string Kind, int Status, double Milliseconds);
}

/// <summary>The gateway's status at one moment.</summary>
internal sealed record StatusSnapshot(DateTimeOffset Now, TimeSpan Uptime, IReadOnlyList<NodeStatus> Nodes, int NodesInService, IReadOnlyList<KindStatus> LastMinute, CacheStatus Cache)
{
    /// <summary>What the nodes in service report of themselves (see <see cref="ClusterStatus"/>).</summary>
    public ClusterView? Cluster { get; init; }
}

/// <summary>One node as the gateway sees it: a label that names no address (see <see cref="GatewayStatus.Label"/>).</summary>
internal sealed record NodeStatus(string Node, string Active, string Passive, bool InService, int InFlight, DateTimeOffset? LastProbeAt, string? LastProbe);

/// <summary>Requests of one kind in the last minute.</summary>
internal sealed record KindStatus(string Kind, int Requests, int ServerErrors, double P50Milliseconds, double P99Milliseconds);

/// <summary>The memory cache's lookups since start.</summary>
internal sealed record CacheStatus(long Hits, long Misses, double? HitRatio);
