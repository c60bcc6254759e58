using System.Globalization;
using ModMesh.Bench.Tools;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Warm hits: a 1 KB .info, a go.mod, a 1 MB zip and a 50 MB zip, committed in a folder store, each loaded with wrk
/// (-t2 -c32) through the gateway, straight to the node, through nginx proxy_cache in front of the node, from nginx
/// serving the same files statically, and from a stripped-down Kestrel serving them (the framework's ceiling). The
/// .info and the 1 MB zip are also loaded through nginx as a plain load balancer in front of the same node (no cache:
/// the set-up the gateway replaces), right after the gateway.
/// </summary>
internal static class WarmSection
{
    private const string Module = "example.com/bench/warm";
    private const string LoadBalancer = "nginx load balancer";

    public static async Task RunAsync(BenchContext context)
    {
        var report = context.Report;
        var store = context.NewFolder("warm-store");
        StoreWriter.WriteFolderVersion(store, Module, "v1.0.0", StoreWriter.Info(Module, "v1.0.0", 1024), StoreWriter.Mod(Module), 1L << 20);
        StoreWriter.WriteFolderVersion(store, Module, "v1.0.1", StoreWriter.Info(Module, "v1.0.1", 1024), StoreWriter.Mod(Module), 50L << 20);
        // BalancerMetric: whether the row is also loaded through the nginx load balancer, and which figure the
        // gateway / load balancer ratio compares (target ≥ 1.0×).
        var objects = new (string Name, string Path, string Target, double? Wanted, BalancerMetric Balancer)[]
        {
            (".info 1 KB", StoreWriter.UrlPath(Module, "v1.0.0", ".info"), "≥ 0.5×", 0.5, BalancerMetric.RequestsPerSecond),
            (".mod 1 KB", StoreWriter.UrlPath(Module, "v1.0.0", ".mod"), "≥ 0.5×", 0.5, BalancerMetric.None),
            ("zip 1 MB", StoreWriter.UrlPath(Module, "v1.0.0", ".zip"), "≥ 0.8×", 0.8, BalancerMetric.Bytes),
            ("zip 50 MB", StoreWriter.UrlPath(Module, "v1.0.1", ".zip"), "", null, BalancerMetric.None),
        };

        await using var topology = new Topology(context, "warm hits");
        var node = await topology.StartNodeAsync("off", store).ConfigureAwait(false);
        var gateway = await topology.StartGatewayAsync([node]).ConfigureAwait(false);
        await using var balancer = await Nginx.StartLoadBalancerAsync(node.Url, context.NewFolder("nginx-lb")).ConfigureAwait(false);
        await using var cache = await Nginx.StartProxyCacheAsync(node.Url, context.NewFolder("nginx-cache")).ConfigureAwait(false);
        await using var files = await Nginx.StartStaticAsync(Path.Combine(store, "modules"), context.NewFolder("nginx-static")).ConfigureAwait(false);
        var (baselineProcess, baselineUrl) = await KestrelBaseline.StartAsync(Path.Combine(store, "modules")).ConfigureAwait(false);
        try
        {
            // The load balancer right after the gateway: the two are compared back to back.
            var targets = new (string Name, string Url)[]
            {
                ("gateway", gateway.Url),
                (LoadBalancer, balancer.Url),
                ("node", node.Url),
                ("nginx proxy_cache", cache.Url),
                ("nginx static", files.Url),
                ("bare Kestrel", baselineUrl),
            };

            IEnumerable<(string Name, string Url)> TargetsFor(BalancerMetric metric) =>
                metric == BalancerMetric.None ? targets.Where(t => t.Name != LoadBalancer) : targets;

            // Every target answers the same bytes; nginx's cache is filled (and answers HIT) before it is measured.
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
            foreach (var o in objects)
            {
                var expected = new FileInfo(Path.Combine(store, "modules", o.Path.TrimStart('/'))).Length;
                foreach (var t in TargetsFor(o.Balancer))
                {
                    for (var attempt = 0; attempt < 2; attempt++)
                    {
                        using var response = await client.GetAsync(new Uri(t.Url + o.Path), HttpCompletionOption.ResponseHeadersRead, context.CancellationToken).ConfigureAwait(false);
                        var body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken).ConfigureAwait(false);
                        if (!response.IsSuccessStatusCode || body.LongLength != expected)
                        {
                            throw new InvalidOperationException($"{t.Name} answered {(int)response.StatusCode} with {body.LongLength} bytes for {o.Path} (expected {expected})");
                        }

                        if (t.Name == "nginx proxy_cache" && attempt == 1 &&
                            (!response.Headers.TryGetValues("X-Cache-Status", out var status) || !status.Contains("HIT")))
                        {
                            throw new InvalidOperationException($"nginx proxy_cache did not answer {o.Path} from its cache");
                        }
                    }
                }
            }

            // The .NET processes get a longer first warm-up (tiered JIT and PGO settle after a few seconds of load;
            // the gateway has the most code on the hot path), so the first row measures steady state too.
            foreach (var t in targets.Where(t => !t.Name.StartsWith("nginx", StringComparison.Ordinal)))
            {
                await Wrk.RunAsync(t.Url + objects[0].Path, context.Options.WarmupSeconds * 2, scratch: context.Scratch, cancellationToken: context.CancellationToken).ConfigureAwait(false);
            }

            foreach (var o in objects)
            {
                var results = new Dictionary<string, WrkResult>(StringComparer.Ordinal);
                foreach (var t in TargetsFor(o.Balancer))
                {
                    WrkResult r;
                    try
                    {
                        r = await context.LoadAsync(t.Url, o.Path).ConfigureAwait(false);
                    }
                    finally
                    {
                        topology.ThrowIfAnyExited();
                    }

                    results[t.Name] = r;
                    report.Add(new Row("warm", $"{o.Name} — {t.Name}", r.Describe()));
                }

                var ratio = results["gateway"].RequestsPerSecond / results["nginx proxy_cache"].RequestsPerSecond;
                report.Add(new Row("warm", $"{o.Name}: gateway / nginx proxy_cache req/s", "",
                    ratio.ToString("F2", CultureInfo.InvariantCulture) + "×", o.Target,
                    o.Wanted is { } wanted ? ratio >= wanted && results["gateway"].Errors == 0 : null));
                if (o.Balancer != BalancerMetric.None)
                {
                    var (gatewayFigure, balancerFigure, unit) = o.Balancer == BalancerMetric.Bytes
                        ? (results["gateway"].TransferMBps, results[LoadBalancer].TransferMBps, "GB/s")
                        : (results["gateway"].RequestsPerSecond, results[LoadBalancer].RequestsPerSecond, "req/s");
                    var overBalancer = gatewayFigure / balancerFigure;
                    report.Add(new Row("warm", $"{o.Name}: gateway / {LoadBalancer} {unit}", "",
                        overBalancer.ToString("F2", CultureInfo.InvariantCulture) + "×", "≥ 1.0×", overBalancer >= 1.0 && results["gateway"].Errors == 0));
                }

                var nodeRatio = results["node"].RequestsPerSecond / results["nginx proxy_cache"].RequestsPerSecond;
                report.Add(new Row("warm", $"{o.Name}: node / nginx proxy_cache req/s", "", nodeRatio.ToString("F2", CultureInfo.InvariantCulture) + "×"));
                var ceiling = results["node"].RequestsPerSecond / results["bare Kestrel"].RequestsPerSecond;
                report.Add(new Row("warm", $"{o.Name}: node / bare Kestrel req/s", "", ceiling.ToString("F2", CultureInfo.InvariantCulture) + "×"));
            }
        }
        finally
        {
            baselineProcess.Kill(entireProcessTree: true);
            await baselineProcess.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            baselineProcess.Dispose();
        }
    }

    private enum BalancerMetric
    {
        /// <summary>Not loaded through the load balancer.</summary>
        None,

        /// <summary>Compared in requests per second (small files).</summary>
        RequestsPerSecond,

        /// <summary>Compared in bytes per second (large files).</summary>
        Bytes,
    }
}
