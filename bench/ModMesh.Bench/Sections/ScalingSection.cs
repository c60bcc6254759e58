using System.Globalization;
using ModMesh.Bench.Tools;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Warm-hit throughput through the gateway with 1, 2 and 3 cache nodes (sharing one folder store): wrk rotates over
/// 64 modules' 1 KB .info so that rendezvous hashing spreads them over the nodes. On a 2-core machine the load
/// generator, the gateway and every node share the same two cores. Target: 3 nodes ≥ 1.0× the req/s of 1 node.
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

        double? one = null;
        for (var n = 1; n <= 3; n++)
        {
            await using var front = new Topology(context, $"scaling, {n} node(s)");
            var gateway = await front.StartGatewayAsync(started.Take(n)).ConfigureAwait(false);
            var r = await context.LoadAsync(gateway.Url, paths[0], paths).ConfigureAwait(false);
            nodes.ThrowIfAnyExited();
            front.ThrowIfAnyExited();
            one ??= r.RequestsPerSecond;
            var ratio = r.RequestsPerSecond / one.Value;
            var last = n == 3;
            context.Report.Add(new Row("scaling", $".info 1 KB through the gateway, {n} node(s)", r.Describe(),
                ratio.ToString("F2", CultureInfo.InvariantCulture) + "× of 1 node", last ? "≥ 1.0× of 1 node" : "", last ? ratio >= 1.0 && r.Errors == 0 : null));
        }
    }
}
