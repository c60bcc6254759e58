using System.Net.Http.Json;
using System.Text.Json;
using ModMesh.Gateway.Access;
using ModMesh.Gateway.Routing;
using ModMesh.ServiceDefaults.Internal;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Status;

/// <summary>
/// The nodes' own part of the status page: every node in service is asked for its <c>/status.json</c> (with the
/// internal key) in parallel, each bounded by <see cref="NodeTimeout"/>, so a slow or dead node shows as unreachable
/// and never stalls the page; the combined view is kept for <see cref="CacheFor"/>, so many viewers cost the nodes one
/// call per node per period. Fills of private modules (<c>Gateway:Access:Private</c>) are shown without their path.
/// </summary>
internal sealed class ClusterStatus : IDisposable
{
    /// <summary>How long one node may take to answer.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a combined view is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1.5);

    private const int MaxBodyBytes = 1 << 20;
    private const int FillsShown = 25;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly IProxyStateLookup _proxy;
    private readonly GatewayAccess _access;
    private readonly TimeProvider _time;
    private readonly string? _key;
    private readonly HttpClient _client;
    private readonly Lock _gate = new();
    private (Task<ClusterView> View, DateTimeOffset Started)? _current;

    public ClusterStatus(IProxyStateLookup proxy, GatewayAccess access, TimeProvider time, IConfiguration configuration)
    {
        _proxy = proxy;
        _access = access;
        _time = time;
        _key = InternalCalls.Key(configuration);
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = NodeTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxBodyBytes,
        };
    }

    /// <summary>The combined view, at most <see cref="CacheFor"/> old.</summary>
    public Task<ClusterView> GetAsync()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_current is { } current && now - current.Started < CacheFor)
            {
                return current.View;
            }

            var view = CollectAsync();
            _current = (view, now);
            return view;
        }
    }

    private async Task<ClusterView> CollectAsync()
    {
        var targets = new List<(string Node, string Address)>();
        if (_proxy.TryGetCluster(CacheNodeProxyConfigProvider.ClusterId, out var cluster))
        {
            foreach (var destination in cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal))
            {
                var health = destination.Health;
                if (health.Active != DestinationHealth.Unhealthy && health.Passive != DestinationHealth.Unhealthy)
                {
                    targets.Add((GatewayStatus.Label(destination.DestinationId), destination.Model.Config.Address));
                }
            }
        }

        var reports = await Task.WhenAll(targets.Select(t => FetchAsync(t.Node, t.Address))).ConfigureAwait(false);
        return Combine(reports);
    }

    private async Task<(string Node, NodeReport? Report, string? Problem)> FetchAsync(string node, string address)
    {
        using var bound = new CancellationTokenSource(NodeTimeout, _time);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(address.TrimEnd('/') + "/"), "status.json"));
            if (_key is not null)
            {
                request.Headers.TryAddWithoutValidation(InternalCalls.HeaderName, _key);
            }

            using var response = await _client.SendAsync(request, bound.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (node, null, $"answered {(int)response.StatusCode}");
            }

            var report = await response.Content.ReadFromJsonAsync<NodeReport>(Json, bound.Token).ConfigureAwait(false);
            return (node, report, report is null ? "an empty answer" : null);
        }
        catch (OperationCanceledException)
        {
            return (node, null, $"no answer within {NodeTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or NotSupportedException or UriFormatException or InvalidOperationException)
        {
            // The details (addresses) are not for the page.
            return (node, null, "unreachable");
        }
    }

    private ClusterView Combine((string Node, NodeReport? Report, string? Problem)[] reports)
    {
        var nodes = new List<NodeDetail>();
        var fills = new List<FillRow>();
        var upstreams = new Dictionary<string, UpstreamRow>(StringComparer.Ordinal);
        QueueReport? queue = null;
        long tierHits = 0, tierMisses = 0, storeHits = 0, storeMisses = 0;
        foreach (var (node, report, problem) in reports)
        {
            if (report is null)
            {
                nodes.Add(new NodeDetail(node, false, problem, null, null, null, null, null, null));
                continue;
            }

            var tier = report.Tier;
            nodes.Add(new NodeDetail(node, true, null, tier?.HitRatio, report.Store?.HitRatio, tier?.MemoryBytes, tier?.MemoryLimitBytes, tier?.DiskBytes, tier?.DiskLimitBytes));
            tierHits += tier?.Hits ?? 0;
            tierMisses += tier?.Misses ?? 0;
            storeHits += report.Store?.Hits ?? 0;
            storeMisses += report.Store?.Misses ?? 0;

            // The queue is shared: every node measures the same one; the newest measure wins.
            if (report.Queue is { } q && (queue is null || q.MeasuredAt > queue.MeasuredAt))
            {
                queue = q;
            }

            foreach (var fill in report.Fills ?? [])
            {
                var module = fill.Module is null || _access.IsPrivate(fill.Module) ? "(private module)" : fill.Module;
                fills.Add(new FillRow(fill.At, node, module, fill.Version ?? "", fill.File ?? "", fill.Outcome ?? "", fill.Milliseconds, fill.By ?? "", fill.Upstream));
            }

            foreach (var upstream in report.Upstreams ?? [])
            {
                var name = upstream.Upstream ?? "upstream";
                var row = new UpstreamRow(name, upstream.Requests, upstream.Errors, upstream.LastSuccess, upstream.LastFailure, upstream.LastFailureReason, upstream.P50Milliseconds, upstream.P99Milliseconds, [node]);
                upstreams[name] = upstreams.TryGetValue(name, out var seen) ? Merge(seen, row) : row;
            }
        }

        return new ClusterView(
            nodes,
            queue,
            new HitRatio(tierHits, tierMisses, Ratio(tierHits, tierMisses)),
            new HitRatio(storeHits, storeMisses, Ratio(storeHits, storeMisses)),
            [.. fills.OrderByDescending(f => f.At).Take(FillsShown)],
            [.. upstreams.Values.OrderBy(u => u.Upstream, StringComparer.Ordinal)]);
    }

    // Percentiles of several nodes cannot be combined exactly: the worst node's are shown (the page says "worst").
    private static UpstreamRow Merge(UpstreamRow a, UpstreamRow b) => new(
        a.Upstream,
        a.Requests + b.Requests,
        a.Errors + b.Errors,
        Max(a.LastSuccess, b.LastSuccess),
        Max(a.LastFailure, b.LastFailure),
        Max(a.LastFailure, b.LastFailure) == a.LastFailure ? a.LastFailureReason : b.LastFailureReason,
        Math.Max(a.P50Milliseconds, b.P50Milliseconds),
        Math.Max(a.P99Milliseconds, b.P99Milliseconds),
        [.. a.Nodes, .. b.Nodes]);

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static double? Ratio(long hits, long misses) => hits + misses == 0 ? null : (double)hits / (hits + misses);

    public void Dispose() => _client.Dispose();

    // What the gateway reads of a node's /status.json (CacheNode/Apis/StatusApi.cs): typed, so nothing else passes.
    private sealed record NodeReport(IReadOnlyList<NodeFill>? Fills, IReadOnlyList<NodeUpstream>? Upstreams, QueueReport? Queue, NodeTier? Tier, NodeStore? Store);

    private sealed record NodeFill(DateTimeOffset At, string? Module, string? Version, string? File, string? Outcome, double Milliseconds, string? By, string? Upstream);

    private sealed record NodeUpstream(string? Upstream, long Requests, long Errors, DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastFailureReason, double P50Milliseconds, double P99Milliseconds);

    private sealed record NodeTier(long Hits, long Misses, double? HitRatio, long MemoryBytes, long MemoryLimitBytes, long DiskBytes, long DiskLimitBytes);

    private sealed record NodeStore(long Hits, long Misses, double? HitRatio);
}

/// <summary>What the nodes in service report, combined.</summary>
internal sealed record ClusterView(IReadOnlyList<NodeDetail> Nodes, QueueReport? Queue, HitRatio Tier, HitRatio Store, IReadOnlyList<FillRow> RecentFills, IReadOnlyList<UpstreamRow> Upstreams);

/// <summary>One node's own report: reachable or why not; its hit ratios and local tier use.</summary>
internal sealed record NodeDetail(string Node, bool Reachable, string? Problem, double? TierHitRatio, double? StoreHitRatio, long? MemoryBytes, long? MemoryLimitBytes, long? DiskBytes, long? DiskLimitBytes);

/// <summary>The shared fill queue: jobs not yet done, the oldest one's age, when measured.</summary>
internal sealed record QueueReport(long Jobs, double? OldestAgeSeconds, DateTimeOffset MeasuredAt);

/// <summary>Hits and misses summed over the nodes.</summary>
internal sealed record HitRatio(long Hits, long Misses, double? Ratio);

/// <summary>A recent fill and the node that reported it.</summary>
internal sealed record FillRow(DateTimeOffset At, string Node, string Module, string Version, string File, string Outcome, double Milliseconds, string By, string? Upstream);

/// <summary>An upstream as the nodes saw it: summed counts, latest times, the worst node's percentiles.</summary>
internal sealed record UpstreamRow(string Upstream, long Requests, long Errors, DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastFailureReason, double P50Milliseconds, double P99Milliseconds, IReadOnlyList<string> Nodes);
