using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

/// <summary>The corpus served by a static upstream, and the distributed topology in front of it.</summary>
public sealed class GoCorpusClusterFixture : IAsyncLifetime
{
    private GoCorpus? _corpus;
    private StaticGoProxyServer? _upstream;
    private ClusterTopology? _cluster;

    public GoCorpus Corpus => _corpus ?? throw new InvalidOperationException("Not initialized.");

    public StaticGoProxyServer Upstream => _upstream ?? throw new InvalidOperationException("Not initialized.");

    public ClusterTopology Cluster => _cluster ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _corpus = await GoCorpus.GetAsync();
        _upstream = await StaticGoProxyServer.StartAsync(_corpus.ProxyTree);
        _cluster = await ClusterTopology.StartAsync(_ => _upstream.Url);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }
}

/// <summary>The real go client (go 1.19) through the gateway of the distributed topology.</summary>
public sealed class GoClientClusterTests(GoCorpusClusterFixture fixture, ITestOutputHelper output) : IClassFixture<GoCorpusClusterFixture>
{
    [Fact]
    public async Task GoModDownload_MainModuleThroughClusterGateway_EveryHashMatchesDirectAndRepeatHitsLocalTier()
    {
        var cluster = fixture.Cluster;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        var corpus = fixture.Corpus;
        Assert.True(corpus.Modules.Count >= 20, $"the corpus has only {corpus.Modules.Count} modules");

        var direct = await DownloadMainModuleAsync(fixture.Upstream.Url);
        var upstreamBefore = fixture.Upstream.TotalRequests;
        var cold = await DownloadMainModuleAsync(cluster.Gateway.Url);
        var upstreamAfterCold = fixture.Upstream.TotalRequests;

        Assert.True(direct.Result.Succeeded, direct.Result.ToString());
        Assert.True(cold.Result.Succeeded, $"{cold.Result}{Environment.NewLine}{cluster.Diagnostics()}");
        Assert.All(cold.Downloads, d => Assert.True(d.Error is null, $"{d.Path}@{d.Version}: {d.Error}"));
        Assert.Equal(
            corpus.MainVersions.Select(m => m.ToString()).Order(StringComparer.Ordinal),
            cold.Downloads.Select(d => $"{d.Path}@{d.Version}").Order(StringComparer.Ordinal));
        Assert.NotEmpty(direct.GoSum);
        Assert.Equal(direct.GoSum, cold.GoSum);
        Assert.Equal(Hashes(direct.Downloads), Hashes(cold.Downloads));

        // The repeat, with a fresh GOMODCACHE: how much do the nodes' local tiers answer?
        using var metrics = Http.NewClient();
        var (hitsBefore, missesBefore) = await TierReadsAsync(metrics);
        var perNodeBefore = await PerNodeAsync(metrics);
        var warm = await DownloadMainModuleAsync(cluster.Gateway.Url);
        var (hitsAfter, missesAfter) = await TierReadsAsync(metrics);
        var upstreamAfterWarm = fixture.Upstream.TotalRequests;
        Assert.True(warm.Result.Succeeded, $"{warm.Result}{Environment.NewLine}{cluster.Diagnostics()}");
        Assert.Equal(direct.GoSum, warm.GoSum);
        Assert.Equal(Hashes(direct.Downloads), Hashes(warm.Downloads));

        var hits = hitsAfter - hitsBefore;
        var misses = missesAfter - missesBefore;
        output.WriteLine($"go mod download of the corpus main module: {cold.Downloads.Count} modules, {direct.ZipBytes / 1048576.0:F1} MiB of zips, {cold.GoSum.Length} go.sum lines; every h1 hash equals the direct download's");
        output.WriteLine($"  direct from the static upstream:            {direct.Elapsed.TotalSeconds,6:F2} s");
        output.WriteLine($"  through the cluster gateway, cold:         {cold.Elapsed.TotalSeconds,6:F2} s  ({upstreamAfterCold - upstreamBefore} upstream requests)");
        output.WriteLine($"  through the cluster gateway, repeat:       {warm.Elapsed.TotalSeconds,6:F2} s  ({upstreamAfterWarm - upstreamAfterCold} upstream requests)");
        output.WriteLine($"  local tier during the repeat (3 nodes):    {hits} hits, {misses} misses: hit ratio {(hits + misses > 0 ? hits / (hits + misses) : double.NaN):P1}");
        output.WriteLine($"  local tier per node, cumulative hit/miss before → after the repeat: {string.Join(", ", perNodeBefore.Zip(await PerNodeAsync(metrics), (b, a) => $"{b} → {a}"))}");
    }

    private async Task<(double Hits, double Misses)> TierReadsAsync(HttpClient client)
    {
        // The Prometheus exporter caches a scrape briefly: let the counters of the last requests show.
        await Task.Delay(1000);
        double hits = 0, misses = 0;
        foreach (var node in fixture.Cluster.Nodes)
        {
            var scrape = await Metrics.ScrapeAsync(client, node);
            hits += scrape.Sum("modmesh_tier_reads_total", ("result", "hit"));
            misses += scrape.Sum("modmesh_tier_reads_total", ("result", "miss"));
        }

        return (hits, misses);
    }

    private async Task<string[]> PerNodeAsync(HttpClient client)
    {
        var result = new List<string>();
        foreach (var node in fixture.Cluster.Nodes)
        {
            var scrape = await Metrics.ScrapeAsync(client, node);
            result.Add($"{scrape.Sum("modmesh_tier_reads_total", ("result", "hit"))}/{scrape.Sum("modmesh_tier_reads_total", ("result", "miss"))}");
        }

        return [.. result];
    }

    private sealed record DownloadRun(CommandResult Result, IReadOnlyList<GoModDownload> Downloads, string[] GoSum, TimeSpan Elapsed, long ZipBytes);

    private async Task<DownloadRun> DownloadMainModuleAsync(string goProxy)
    {
        using var go = GoSandbox.Create(new GoSandboxOptions { GoProxy = goProxy });
        var main = fixture.Corpus.CopyMainModule(go.Work);
        var stopwatch = Stopwatch.StartNew();
        var result = await go.GoAsync(["mod", "download", "-json"], main);
        stopwatch.Stop();
        var goSumPath = Path.Combine(main, "go.sum");
        var goSum = File.Exists(goSumPath) ? (await File.ReadAllLinesAsync(goSumPath)).Where(l => l.Length > 0).Order(StringComparer.Ordinal).ToArray() : [];
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        var zipBytes = downloads.Where(d => File.Exists(d.Zip)).Sum(d => new FileInfo(d.Zip!).Length);
        return new DownloadRun(result, downloads, goSum, stopwatch.Elapsed, zipBytes);
    }

    private static string[] Hashes(IEnumerable<GoModDownload> downloads) =>
        downloads.SelectMany(d => new[] { $"{d.Path} {d.Version} {d.Sum}", $"{d.Path} {d.Version}/go.mod {d.GoModSum}" })
            .Order(StringComparer.Ordinal).ToArray();
}
