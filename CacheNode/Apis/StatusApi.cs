using System.Text.Json;
using ModMesh.Fetcher.Status;
using ModMesh.Storage;
using ModMesh.Storage.Tiering;

namespace ModMesh.CacheNode.Apis;

/// <summary>
/// <c>GET /status.json</c>: what this node's part of the gateway's status page shows (recent fills, upstream health and
/// latency, the fill queue, hit ratios of the local tier and of the store, local tier use). Read by the gateway with
/// the internal key (<c>ModMesh:InternalKey</c>, like every call to a node); built from in-memory figures and the
/// queue sampler's last measure only, so it costs no storage or Redis round trip. Upstreams are named by host only.
/// </summary>
public static class StatusApi
{
    /// <summary>The path of the node's status.</summary>
    public const string Path = "/status.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Maps <see cref="Path"/>.</summary>
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context, FillActivity activity, FillQueueSampler queue, IBlobStore store, TimeProvider time) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(Build(activity, queue, store, time), Json);
        }).ExcludeFromDescription();
        return app;
    }

    internal static NodeStatusReport Build(FillActivity activity, FillQueueSampler queue, IBlobStore store, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var fills = activity.Snapshot();
        var measured = queue.Last;
        var tier = store as TieredBlobStore;
        TierReport? tierReport = null;
        if (tier is not null)
        {
            var (memory, disk) = tier.Usage;
            var (memoryLimit, diskLimit) = tier.Limits;
            tierReport = new TierReport(tier.Hits, tier.Misses, Ratio(tier.Hits, tier.Misses), memory, memoryLimit, disk, diskLimit);
        }

        return new NodeStatusReport(
            now,
            fills.Fills,
            fills.Upstreams,
            measured is { } m ? new QueueReport(m.Depth.Jobs, m.Depth.OldestAge?.TotalSeconds, m.At) : null,
            tierReport,
            new StoreReport(fills.StoreHits, fills.StoreMisses, Ratio(fills.StoreHits, fills.StoreMisses)));
    }

    private static double? Ratio(long hits, long misses) => hits + misses == 0 ? null : (double)hits / (hits + misses);
}

/// <summary>A node's status (see <see cref="StatusApi"/>).</summary>
/// <param name="Now">When it was taken.</param>
/// <param name="Fills">The last fills this node ran or asked the fetchers for, newest first.</param>
/// <param name="Upstreams">The upstreams this node asked (list, @latest and its own fills), by host.</param>
/// <param name="Queue">The shared fill queue's last measure, or null when it could not be measured.</param>
/// <param name="Tier">The node-local tier, or null when it is off.</param>
/// <param name="Store">GOPROXY file requests answered from the store (tier included) versus sent to a fill.</param>
public sealed record NodeStatusReport(DateTimeOffset Now, IReadOnlyList<FillSeen> Fills, IReadOnlyList<UpstreamSeen> Upstreams, QueueReport? Queue, TierReport? Tier, StoreReport Store);

/// <summary>The fill queue: jobs not yet done, the oldest one's age, and when that was measured.</summary>
public sealed record QueueReport(long Jobs, double? OldestAgeSeconds, DateTimeOffset MeasuredAt);

/// <summary>The node-local tier's reads since start and its bytes used against its budgets.</summary>
public sealed record TierReport(long Hits, long Misses, double? HitRatio, long MemoryBytes, long MemoryLimitBytes, long DiskBytes, long DiskLimitBytes);

/// <summary>GOPROXY file requests answered from the store versus sent to a fill, since start.</summary>
public sealed record StoreReport(long Hits, long Misses, double? HitRatio);
