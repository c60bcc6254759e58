using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class BurstFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/cluster/Burst";
    public const string Version = "v1.0.0";
    public const string TieredModule = "example.com/cluster/tiered";

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front)
    {
        upstream.AddLargeZip(Module, Version, 4L << 20);
        // Over the memory tier's 1 MiB entry limit: kept on the disk tier.
        upstream.AddLargeZip(TieredModule, Version, 3L << 20);
        // A slow upstream: every answer starts 500 ms late, so the whole burst arrives while the fill runs.
        upstream.InjectFault(null, UpstreamFault.Delayed(TimeSpan.FromMilliseconds(500)));
    }
}

/// <summary>Many clients on every node (and through the gateway) ask for one uncached version at the same moment.</summary>
public sealed class BurstTests(BurstFixture fixture, ITestOutputHelper output) : IClassFixture<BurstFixture>
{
    [Fact]
    public async Task Burst_200ConcurrentZipRequestsOverEveryNodeAndGateway_OneUpstreamFetchAndIdenticalAnswers()
    {
        var cluster = fixture.Cluster;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        var version = fixture.Upstream.Module(BurstFixture.Module).Version(BurstFixture.Version);
        var expected = Http.Hex(await version.ZipSha256Async());
        var path = ScriptedUpstream.UrlPath(BurstFixture.Module, $"@v/{BurstFixture.Version}.zip");
        // Round robin: node 0, node 1, node 2, gateway, node 0, …
        var targets = cluster.Nodes.Select(n => n.Url).Append(cluster.Gateway.Url).ToArray();
        using var client = Http.NewClient();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 200).Select(async i =>
        {
            await go.Task;
            return await Http.GetAsync(client, targets[i % targets.Length] + path);
        }).ToArray();

        var clock = Stopwatch.StartNew();
        go.SetResult();
        var answers = await Task.WhenAll(requests);
        clock.Stop();

        var info = fixture.Upstream.RequestCount(BurstFixture.Module, $"@v/{BurstFixture.Version}.info");
        var mod = fixture.Upstream.RequestCount(BurstFixture.Module, $"@v/{BurstFixture.Version}.mod");
        var zip = fixture.Upstream.RequestCount(BurstFixture.Module, $"@v/{BurstFixture.Version}.zip");
        var latencies = answers.Select(a => a.Elapsed.TotalMilliseconds).ToArray();
        output.WriteLine($"200 requests ({answers.Count(a => a.Url.StartsWith(cluster.Gateway.Url, StringComparison.Ordinal))} through the gateway), zip of {version.ZipLength / 1048576.0:F1} MiB, upstream 500 ms late per answer");
        output.WriteLine($"upstream requests: .info {info}, .mod {mod}, .zip {zip}; every request for the module: {fixture.Upstream.ModuleRequestCount(BurstFixture.Module)}");
        output.WriteLine($"latency: p50 {Http.Percentile(latencies, 50):F0} ms, p99 {Http.Percentile(latencies, 99):F0} ms, max {latencies.Max():F0} ms; wall {clock.Elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine($"statuses: {string.Join(", ", answers.GroupBy(a => a.Error is null ? a.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "error").Select(g => $"{g.Key}×{g.Count()}"))}");
        foreach (var failed in answers.Where(a => !a.Ok).Take(5))
        {
            output.WriteLine($"not OK: {failed}");
        }

        output.WriteLine($"fetchers' upstream zip transfers: {string.Join("; ", fixture.Front.TransfersOf(".zip"))}");

        Assert.All(answers, a => Assert.True(a.Ok && a.Sha256 == expected && a.Length == version.ZipLength, $"{a}{Environment.NewLine}{cluster.Diagnostics()}"));
        Assert.Equal(0, info); // each file is filled on its own demand: a zip request fetches the zip alone
        Assert.Equal(0, mod);
        Assert.Equal(1, zip);
    }

    [Fact]
    public async Task DiskTier_AfterConcurrentFirstReadsOnOneNode_KeepsTheZipAndServesTheNextReadFromDisk()
    {
        var cluster = fixture.Cluster;
        var version = fixture.Upstream.Module(BurstFixture.TieredModule).Version(BurstFixture.Version);
        var expected = Http.Hex(await version.ZipSha256Async());
        var path = ScriptedUpstream.UrlPath(BurstFixture.TieredModule, $"@v/{BurstFixture.Version}.zip");
        using var client = Http.NewClient();

        // Committed through node 0; node 2 has never read it.
        var fill = await Http.GetAsync(client, cluster.Nodes[0].Url + path);
        Assert.True(fill.Ok && fill.Sha256 == expected, $"{fill}{Environment.NewLine}{cluster.Diagnostics()}");

        // 20 concurrent first reads on node 2: each is a tier miss that copies the zip to the disk tier as it streams.
        var wave = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Http.GetAsync(client, cluster.Nodes[2].Url + path)));
        Assert.All(wave, a => Assert.True(a.Ok && a.Sha256 == expected, a.ToString()));
        await Task.Delay(1500); // the copies are published when each stream completes; scrapes are cached briefly
        var tierFolder = cluster.TierPath(2);
        var filesAfterWave = Directory.Exists(tierFolder) ? Directory.GetFiles(tierFolder, "*", SearchOption.AllDirectories) : [];
        var diskHitsBefore = (await Metrics.ScrapeAsync(client, cluster.Nodes[2])).Sum("modmesh_tier_reads_total", ("result", "hit"), ("tier", "disk"));

        var next = await Http.GetAsync(client, cluster.Nodes[2].Url + path);
        await Task.Delay(1500);
        var scrape = await Metrics.ScrapeAsync(client, cluster.Nodes[2]);
        var diskHitsAfter = scrape.Sum("modmesh_tier_reads_total", ("result", "hit"), ("tier", "disk"));
        output.WriteLine($"node 2 disk tier after 20 concurrent first reads: {filesAfterWave.Length} file(s) in {tierFolder}: {string.Join(", ", filesAfterWave.Select(Path.GetFileName))}");
        output.WriteLine($"next read: {next}; node 2 disk-tier hits {diskHitsBefore} → {diskHitsAfter}; tier misses so far {scrape.Sum("modmesh_tier_reads_total", ("result", "miss"))}");

        Assert.True(next.Ok && next.Sha256 == expected, next.ToString());
        Assert.True(filesAfterWave.Length >= 1, "the disk tier holds no copy of the zip after 20 complete reads");
        Assert.Equal(diskHitsBefore + 1, diskHitsAfter);
    }
}
