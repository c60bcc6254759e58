using System.Diagnostics;
using System.Globalization;
using ModMesh.Bench.Tools;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Servers;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Cold fills: 200 concurrent GETs of one uncached 1 MB zip, upstream answering with a known delay. Counts the
/// upstream's fetches of that zip (must be 1) and compares the p99 latency with the upstream's own time for the same
/// file (a twin version with the same size and delay, fetched directly). Two upstream shapes: every request of the
/// version delayed (info, mod and zip: a distant upstream), and only the zip delayed (a slow big file). Embedded
/// (gateway + node with a folder store) and distributed (redis + s3rver + 1 node + 1 fetcher).
/// </summary>
internal static class ColdSection
{
    private const string Module = "example.com/bench/cold";
    private const int Clients = 200;
    private const long ZipData = 1L << 20;
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(200);

    public static async Task RunAsync(BenchContext context)
    {
        await using var upstream = await ScriptedUpstream.StartAsync(context.CancellationToken).ConfigureAwait(false);
        var shapes = new[] { (Name: "every upstream request +200 ms", ZipOnly: false), (Name: "zip +200 ms", ZipOnly: true) };
        var next = 0;
        string NewVersion() => $"v1.{++next}.0";

        // Embedded: gateway + one node with a folder store.
        {
            await using var topology = new Topology(context, "cold fill, embedded");
            var node = await topology.StartNodeAsync(upstream.Url, context.NewFolder("cold-store")).ConfigureAwait(false);
            var gateway = await topology.StartGatewayAsync([node]).ConfigureAwait(false);
            foreach (var shape in shapes)
            {
                await MeasureAsync(context, upstream, gateway.Url, "embedded (gateway + node)", shape.Name, shape.ZipOnly, NewVersion(), NewVersion(), NewVersion()).ConfigureAwait(false);
            }
        }

        // Distributed: redis + s3rver + one node + one fetcher; the node queues the miss, the fetcher fills it.
        {
            using var redis = new RedisServer();
            await using var s3 = await S3rverServer.StartAsync(cancellationToken: context.CancellationToken).ConfigureAwait(false);
            var bucket = await s3.CreateBucketAsync("cold", context.CancellationToken).ConfigureAwait(false);
            var shared = new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["ModMesh__Coordination__JobSigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                ["ConnectionStrings__blobs"] = s3.ConnectionString(bucket),
            };
            await using var topology = new Topology(context, "cold fill, distributed");
            var node = await topology.StartNodeAsync(upstream.Url, storage: null, shared).ConfigureAwait(false);
            await topology.StartFetcherAsync(upstream.Url, shared).ConfigureAwait(false);
            foreach (var shape in shapes)
            {
                await MeasureAsync(context, upstream, node.Url, "distributed (redis + s3rver + node + fetcher)", shape.Name, shape.ZipOnly, NewVersion(), NewVersion(), NewVersion()).ConfigureAwait(false);
            }
        }
    }

    private static async Task MeasureAsync(
        BenchContext context, ScriptedUpstream upstream, string entry, string topologyName, string shapeName, bool zipOnly, string version, string twin, string single)
    {
        foreach (var v in new[] { version, twin, single })
        {
            upstream.AddLargeZip(Module, v, ZipData);
            foreach (var file in zipOnly ? new[] { ".zip" } : [".info", ".mod", ".zip"])
            {
                upstream.InjectFault(ScriptedUpstream.UrlPath(Module, $"@v/{v}{file}"), UpstreamFault.Delayed(Delay));
            }
        }

        var zipLength = upstream.Module(Module).Version(version).ZipLength;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1000 }) { Timeout = TimeSpan.FromMinutes(2) };

        // The upstream's own time for this file: the twin's zip, fetched directly (median of 5).
        var direct = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            var bytes = await client.GetByteArrayAsync(new Uri(upstream.Url + ScriptedUpstream.UrlPath(Module, $"@v/{twin}.zip")), context.CancellationToken).ConfigureAwait(false);
            direct.Add(sw.Elapsed.TotalMilliseconds);
            if (bytes.LongLength != zipLength)
            {
                throw new InvalidOperationException("the upstream answered a short zip");
            }
        }

        var upstreamMs = Percentile(direct, 50);

        // One client alone, for another uncached version of the same shape: the fill's own cost, without the fan-out.
        var alone = Stopwatch.StartNew();
        var singleBytes = await client.GetByteArrayAsync(new Uri(entry + ScriptedUpstream.UrlPath(Module, $"@v/{single}.zip")), context.CancellationToken).ConfigureAwait(false);
        var singleMs = alone.Elapsed.TotalMilliseconds;
        if (singleBytes.LongLength != zipLength)
        {
            throw new InvalidOperationException("ModMesh answered a short zip");
        }
        var url = new Uri(entry + ScriptedUpstream.UrlPath(Module, $"@v/{version}.zip"));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Clients).Select(async _ =>
        {
            await start.Task.ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            using var response = await client.GetAsync(url, context.CancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken).ConfigureAwait(false);
            return (Ms: sw.Elapsed.TotalMilliseconds, Ok: response.IsSuccessStatusCode && body.LongLength == zipLength, Status: (int)response.StatusCode);
        }).ToList();
        start.SetResult();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);

        var fetches = upstream.RequestCount(Module, $"@v/{version}.zip");
        var infoFetches = upstream.RequestCount(Module, $"@v/{version}.info");
        var modFetches = upstream.RequestCount(Module, $"@v/{version}.mod");
        var failed = results.Count(r => !r.Ok);
        var latencies = results.Select(r => r.Ms).ToList();
        var p50 = Percentile(latencies, 50);
        var p99 = Percentile(latencies, 99);
        var over = p99 - upstreamMs;
        var value = string.Create(CultureInfo.InvariantCulture,
            $"{fetches} upstream fetch(es); p50 {p50:F0} ms, p99 {p99:F0} ms; upstream alone {upstreamMs:F0} ms; 1 client alone {singleMs:F0} ms; upstream GETs info/mod/zip {infoFetches}/{modFetches}/{fetches}");
        if (failed > 0)
        {
            value += $"; {failed} FAILED ({string.Join(",", results.Where(r => !r.Ok).Select(r => r.Status).Distinct())})";
        }

        context.Report.Add(new Row("cold", $"{Clients} concurrent, {topologyName}, {shapeName}", value,
            string.Create(CultureInfo.InvariantCulture, $"{fetches} fetch, p99 {over:+0;-0} ms"), "1 fetch, ≤ +50 ms",
            fetches == 1 && failed == 0 && over <= 50));
    }

    public static double Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
