using System.Diagnostics;
using System.Globalization;
using ModMesh.Bench.Tools;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Servers;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Cold fills: 200 concurrent GETs of one uncached 1 MB zip, upstream answering with a known delay. Counts the
/// upstream's fetches of that zip (must be 1), compares the burst's p99 with one client alone (another uncached
/// version: the fill without the fan-out), and one client alone with the upstream's own time for the files a fill
/// needs (a twin version's .info, .mod and .zip with the same delays, fetched directly and at once). Two upstream
/// shapes: every request of the version delayed (info, mod and zip: a distant upstream), and only the zip delayed (a
/// slow big file). Embedded (gateway + node with a folder store) and distributed (redis + s3rver + 1 node + 1 fetcher).
/// </summary>
internal static class ColdSection
{
    private const string Module = "example.com/bench/cold";
    private const int Clients = 200;
    private const long ZipData = 1L << 20;
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(200);

    /// <summary>The targets: the burst's p99 over one client alone, and one client alone over the upstream's own time.</summary>
    private static readonly Budgets Embedded = new("embedded", BurstMs: 300, FillMs: 30);
    private static readonly Budgets Distributed = new("distributed", BurstMs: 600, FillMs: 150);

    public static async Task RunAsync(BenchContext context)
    {
        await StaticFloorAsync(context).ConfigureAwait(false);
        await using var upstream = await ScriptedUpstream.StartAsync(context.CancellationToken).ConfigureAwait(false);
        var shapes = new[] { (Name: "every upstream request +200 ms", ZipOnly: false), (Name: "zip +200 ms", ZipOnly: true) };
        var next = 0;
        string NewVersion() => $"v1.{++next}.0";

        // Embedded: gateway + one node with a folder store.
        {
            await using var topology = new Topology(context, "cold fill, embedded");
            var node = await topology.StartNodeAsync(upstream.Url, context.NewFolder("cold-store")).ConfigureAwait(false);
            var gateway = await topology.StartGatewayAsync([node]).ConfigureAwait(false);
            await WarmUpAsync(context, upstream, gateway.Url, "embedded (gateway + node)", NewVersion(), NewVersion()).ConfigureAwait(false);
            foreach (var shape in shapes)
            {
                await MeasureAsync(context, upstream, gateway.Url, "embedded (gateway + node)", Embedded, shape.Name, shape.ZipOnly, NewVersion(), NewVersion(), NewVersion()).ConfigureAwait(false);
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
            await WarmUpAsync(context, upstream, node.Url, "distributed (redis + s3rver + node + fetcher)", NewVersion(), NewVersion()).ConfigureAwait(false);
            foreach (var shape in shapes)
            {
                await MeasureAsync(context, upstream, node.Url, "distributed (redis + s3rver + node + fetcher)", Distributed, shape.Name, shape.ZipOnly, NewVersion(), NewVersion(), NewVersion()).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The first fill after the processes started pays for JIT compilation, connection pools and (distributed) the
    /// consumer group and bucket: it is printed as its own row, and a second fill and a 20-client burst of other
    /// versions run before anything is measured, so the rows measure the fill path, not the start-up.
    /// </summary>
    private static async Task WarmUpAsync(BenchContext context, ScriptedUpstream upstream, string entry, string topologyName, string first, string burst)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(2) };
        foreach (var v in new[] { first, burst })
        {
            upstream.AddLargeZip(Module, v, ZipData);
        }

        var sw = Stopwatch.StartNew();
        var bytes = await client.GetByteArrayAsync(new Uri(entry + ScriptedUpstream.UrlPath(Module, $"@v/{first}.zip")), context.CancellationToken).ConfigureAwait(false);
        var firstMs = sw.Elapsed.TotalMilliseconds;
        var upstreamAfter = Stopwatch.StartNew();
        await client.GetByteArrayAsync(new Uri(upstream.Url + ScriptedUpstream.UrlPath(Module, $"@v/{first}.zip")), context.CancellationToken).ConfigureAwait(false);
        var upstreamMs = upstreamAfter.Elapsed.TotalMilliseconds;
        context.Report.Add(new Row("cold", $"first fill after start, {topologyName}, 1 MiB zip, no delay", string.Create(CultureInfo.InvariantCulture,
            $"{firstMs:F0} ms (the upstream alone: {upstreamMs:F0} ms); {bytes.LongLength} bytes"), "", "", null));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            client.GetByteArrayAsync(new Uri(entry + ScriptedUpstream.UrlPath(Module, $"@v/{burst}.zip")), context.CancellationToken))).ConfigureAwait(false);
    }

    private static async Task MeasureAsync(
        BenchContext context, ScriptedUpstream upstream, string entry, string topologyName, Budgets budgets, string shapeName, bool zipOnly, string version, string twin, string single)
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

        // The upstream's own time for the files a fill needs: the twin's .info, .mod and .zip asked at once (median
        // of 5). How a fill orders its fetches is ModMesh's cost, so it counts against the fill's budget.
        var needed = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            var files = await Task.WhenAll(new[] { ".info", ".mod", ".zip" }.Select(file =>
                client.GetByteArrayAsync(new Uri(upstream.Url + ScriptedUpstream.UrlPath(Module, $"@v/{twin}{file}")), context.CancellationToken))).ConfigureAwait(false);
            needed.Add(sw.Elapsed.TotalMilliseconds);
            if (files[2].LongLength != zipLength)
            {
                throw new InvalidOperationException("the upstream answered a short zip");
            }
        }

        var neededMs = Percentile(needed, 50);

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

        // The same burst again, now that the version is committed: the fan-out floor of this client and entry point on
        // this machine (200 connections, 200 MiB), which the cold burst cannot beat.
        var warm = await BurstAsync(url, zipLength, context.CancellationToken).ConfigureAwait(false);
        context.Report.Add(new Row("cold", $"{Clients} concurrent, {topologyName}, {shapeName}: the same burst once committed (fan-out floor)", Latencies(warm)));

        var fetches = upstream.RequestCount(Module, $"@v/{version}.zip");
        var infoFetches = upstream.RequestCount(Module, $"@v/{version}.info");
        var modFetches = upstream.RequestCount(Module, $"@v/{version}.mod");
        var failed = results.Count(r => !r.Ok);
        var latencies = results.Select(r => r.Ms).ToList();
        var p50 = Percentile(latencies, 50);
        var p99 = Percentile(latencies, 99);
        var value = string.Create(CultureInfo.InvariantCulture,
            $"{fetches} upstream fetch(es); p50 {p50:F0} ms, p99 {p99:F0} ms; upstream alone {upstreamMs:F0} ms (zip), {neededMs:F0} ms (info+mod+zip at once); 1 client alone {singleMs:F0} ms; upstream GETs info/mod/zip {infoFetches}/{modFetches}/{fetches}");
        if (failed > 0)
        {
            value += $"; {failed} FAILED ({string.Join(",", results.Where(r => !r.Ok).Select(r => r.Status).Distinct())})";
        }

        context.Report.Add(new Row("cold", $"{Clients} concurrent, {topologyName}, {shapeName}", value,
            string.Create(CultureInfo.InvariantCulture, $"{fetches} fetch(es)"), "exactly 1 fetch", fetches == 1 && failed == 0));
        var burst = p99 - singleMs;
        context.Report.Add(new Row("cold", $"{budgets.Name}, {shapeName}: p99 of {Clients} − 1 client alone", "",
            string.Create(CultureInfo.InvariantCulture, $"{burst:+0;-0} ms"), $"≤ +{budgets.BurstMs} ms", failed == 0 && burst <= budgets.BurstMs));
        var fill = singleMs - neededMs;
        context.Report.Add(new Row("cold", $"{budgets.Name}, {shapeName}: 1 client alone − upstream (info+mod+zip at once)", "",
            string.Create(CultureInfo.InvariantCulture, $"{fill:+0;-0} ms"), $"≤ +{budgets.FillMs} ms", fill <= budgets.FillMs));
    }

    /// <summary>
    /// <see cref="Clients"/> GETs of <paramref name="url"/> started together from a new client, so each on a new
    /// connection as the cold burst's are; the time of each (NaN for a short answer).
    /// </summary>
    private static async Task<double[]> BurstAsync(Uri url, long length, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1000 }) { Timeout = TimeSpan.FromMinutes(2) };
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Clients).Select(async _ =>
        {
            await start.Task.ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            var body = await client.GetByteArrayAsync(url, cancellationToken).ConfigureAwait(false);
            return body.LongLength == length ? sw.Elapsed.TotalMilliseconds : double.NaN;
        }).ToList();
        start.SetResult();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static string Latencies(double[] times) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {Percentile(times, 50):F0} ms, p99 {Percentile(times, 99):F0} ms{(times.Any(double.IsNaN) ? "; SHORT ANSWERS" : "")}");

    /// <summary>
    /// The same burst from nginx serving a 1 MiB file (sendfile): what this client on this machine needs to receive
    /// 200 answers of 1 MiB on 200 new connections at once, with no proxy at all. The cold bursts' fan-out cannot be
    /// cheaper than this.
    /// </summary>
    private static async Task StaticFloorAsync(BenchContext context)
    {
        var root = context.NewFolder("cold-static");
        var file = new byte[ZipData];
        Random.Shared.NextBytes(file);
        await File.WriteAllBytesAsync(Path.Combine(root, "one.zip"), file, context.CancellationToken).ConfigureAwait(false);
        await using var nginx = await Nginx.StartStaticAsync(root, context.NewFolder("cold-static-nginx")).ConfigureAwait(false);
        var url = new Uri(nginx.Url + "/one.zip");
        await BurstAsync(url, file.Length, context.CancellationToken).ConfigureAwait(false); // warm-up of the client code
        var times = await BurstAsync(url, file.Length, context.CancellationToken).ConfigureAwait(false);
        context.Report.Add(new Row("cold", $"{Clients} concurrent GETs of a 1 MiB static file from nginx, new connections (this client's fan-out floor)", Latencies(times)));
    }

    public static double Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    /// <summary>The cold-fill targets of one topology.</summary>
    /// <param name="Name">How the target rows name the topology.</param>
    /// <param name="BurstMs">The most the burst's p99 may take over one client alone.</param>
    /// <param name="FillMs">The most one client alone may take over the upstream's own time.</param>
    private sealed record Budgets(string Name, int BurstMs, int FillMs);
}
