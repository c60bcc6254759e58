using System.Globalization;
using ModMesh.Bench.Tools;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Warm-hit throughput through the gateway with 1, 2 and 3 cache nodes (sharing one folder store): wrk rotates over
/// 64 modules' 1 KB .info so that rendezvous hashing spreads them over the nodes. On a 2-core machine the load
/// generator, the gateway and every node share the same two cores. After a round that is not counted, three rounds,
/// each loading 1, 2 and 3 nodes in turn; the median of each. Target: 3 nodes ≥ 1.0× the req/s of 1 node.
/// </summary>
internal static class ScalingSection
{
    public static async Task RunAsync(BenchContext context)
    {
        var store = context.NewFolder("scale-store");
        var paths = new List<string>();
        for (var i = 0; i < 64; i++)
        {
            var module = $"example.com/bench/scale{i:D2}";
            StoreWriter.WriteFolderVersion(store, module, "v1.0.0", StoreWriter.Info(module, "v1.0.0", 1024), StoreWriter.Mod(module), 0);
            paths.Add(StoreWriter.UrlPath(module, "v1.0.0", ".info"));
        }

        await using var nodes = new Topology(context, "scaling");
        var started = new List<ModMesh.TestSupport.Processes.ServiceProcess>();
        for (var i = 0; i < 3; i++)
        {
            started.Add(await nodes.StartNodeAsync("off", store).ConfigureAwait(false));
        }

        // One gateway per node count, all started up front; then rounds that load 1, 2, 3 nodes one after the other, so
        // each count sees the same machine (other work on the shared cores, JIT tiering of the load generator) and the
        // median of the rounds compares like with like. The gateway runs with its defaults, memory cache included.
        var fronts = new List<(Topology Front, string Url)>();
        try
        {
            for (var n = 1; n <= 3; n++)
            {
                var front = new Topology(context, $"scaling, {n} node(s)");
                var gateway = await front.StartGatewayAsync(started.Take(n)).ConfigureAwait(false);
                fronts.Add((front, gateway.Url));
            }

            // A first round that is not counted: each gateway's JIT tiering settles under the same load.
            foreach (var (front, url) in fronts)
            {
                await context.LoadAsync(url, paths[0], paths).ConfigureAwait(false);
                front.ThrowIfAnyExited();
            }

            var results = new List<WrkResult>[3] { [], [], [] };
            for (var round = 0; round < Rounds; round++)
            {
                for (var n = 0; n < 3; n++)
                {
                    results[n].Add(await context.LoadAsync(fronts[n].Url, paths[0], paths).ConfigureAwait(false));
                    nodes.ThrowIfAnyExited();
                    fronts[n].Front.ThrowIfAnyExited();
                }
            }

            var one = Median(results[0]).RequestsPerSecond;
            for (var n = 1; n <= 3; n++)
            {
                var median = Median(results[n - 1]);
                var ratio = median.RequestsPerSecond / one;
                var last = n == 3;
                var rounds = string.Join(", ", results[n - 1].Select(r => r.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture)));
                context.Report.Add(new Row("scaling", $".info 1 KB through the gateway, {n} node(s), median of {Rounds} rounds", $"{median.Describe()}  (rounds: {rounds} req/s)",
                    ratio.ToString("F2", CultureInfo.InvariantCulture) + "× of 1 node", last ? "≥ 1.0× of 1 node" : "", last ? ratio >= 1.0 && results[n - 1].All(r => r.Errors == 0) : null));
            }
        }
        finally
        {
            foreach (var (front, _) in fronts)
            {
                await front.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private const int Rounds = 3;

    private static WrkResult Median(List<WrkResult> results) => results.OrderBy(r => r.RequestsPerSecond).ElementAt(results.Count / 2);
}
