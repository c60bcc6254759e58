using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class BurstFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/cluster/Burst";
    public const string Version = "v1.0.0";

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front)
    {
        upstream.AddLargeZip(Module, Version, 4L << 20);
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
        Assert.Equal(1, info);
        Assert.Equal(1, mod);
        Assert.Equal(1, zip);
    }
}
