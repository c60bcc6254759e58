using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class S3OutageFixture : ScriptedClusterFixture
{
    public const string Version = "v1.0.0";

    /// <summary>Read on node 0 before the outage: its local tier holds it (memory).</summary>
    public const string Held = "example.com/cluster/held";

    /// <summary>Read on node 0 before the outage, with a 3 MiB zip: held on node 0's disk tier.</summary>
    public const string HeldLarge = "example.com/cluster/heldlarge";

    /// <summary>Committed before the outage, but read only on node 1.</summary>
    public const string Other = "example.com/cluster/other";

    /// <summary>Never asked for before the outage.</summary>
    public const string Fresh = "example.com/cluster/fresh";

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front)
    {
        upstream.AddModule(Held, Version);
        upstream.AddLargeZip(HeldLarge, Version, 3L << 20);
        upstream.AddModule(Other, Version);
        upstream.AddModule(Fresh, Version);
    }
}

/// <summary>The S3 server goes away and comes back (same port, same data).</summary>
public sealed class S3OutageTests(S3OutageFixture fixture, ITestOutputHelper output) : IClassFixture<S3OutageFixture>
{
    private static readonly string[] Files = [".info", ".mod", ".zip"];

    [Fact]
    public async Task StopS3_TierHeldVersionsServedOthers503ThenRecovers()
    {
        var cluster = fixture.Cluster;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        using var client = Http.NewClient(TimeSpan.FromSeconds(30));
        var node0 = cluster.Nodes[0].Url;
        var node1 = cluster.Nodes[1].Url;

        // Before: fill and read Held/HeldLarge on node 0 (twice: the second read is a tier hit), Other on node 1.
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var module in new[] { S3OutageFixture.Held, S3OutageFixture.HeldLarge })
        {
            for (var pass = 0; pass < 2; pass++)
            {
                foreach (var answer in await FetchAllAsync(client, node0, module))
                {
                    Assert.True(answer.Ok, $"{answer}{Environment.NewLine}{cluster.Diagnostics()}");
                    expected[answer.Url[node0.Length..]] = answer.Sha256!;
                }
            }
        }

        foreach (var answer in await FetchAllAsync(client, node1, S3OutageFixture.Other))
        {
            Assert.True(answer.Ok, $"{answer}{Environment.NewLine}{cluster.Diagnostics()}");
            expected[answer.Url[node1.Length..]] = answer.Sha256!;
        }

        using var metrics = Http.NewClient();
        var tier = await Metrics.ScrapeAsync(metrics, cluster.Nodes[0]);
        output.WriteLine($"node 0 tier before the outage: hits {tier.Sum("modmesh_tier_reads_total", ("result", "hit"))}, misses {tier.Sum("modmesh_tier_reads_total", ("result", "miss"))}");

        await cluster.S3.StopAsync();
        output.WriteLine("s3rver stopped");
        var clock = Stopwatch.StartNew();
        var held = (await FetchAllAsync(client, node0, S3OutageFixture.Held)).Concat(await FetchAllAsync(client, node0, S3OutageFixture.HeldLarge)).ToArray();
        var otherOnNode0 = await FetchAllAsync(client, node0, S3OutageFixture.Other);
        var otherOnNode1 = await FetchAllAsync(client, node1, S3OutageFixture.Other);
        var fresh = await FetchAllAsync(client, node0, S3OutageFixture.Fresh);
        var viaGateway = await FetchAllAsync(client, cluster.Gateway.Url, S3OutageFixture.Fresh);
        foreach (var answer in held.Concat(otherOnNode0).Concat(otherOnNode1).Concat(fresh).Concat(viaGateway))
        {
            output.WriteLine($"S3 down: {answer}");
        }

        await cluster.S3.StartAsync();
        output.WriteLine($"s3rver restarted on the same port and data after {clock.Elapsed.TotalSeconds:F1} s of outage");
        var sinceRestart = Stopwatch.StartNew();
        var recovered = new List<Answer>();
        var notYet = new List<Answer>();
        foreach (var module in new[] { S3OutageFixture.Held, S3OutageFixture.HeldLarge, S3OutageFixture.Other, S3OutageFixture.Fresh })
        {
            foreach (var file in Files)
            {
                var url = node0 + ScriptedUpstream.UrlPath(module, $"@v/{S3OutageFixture.Version}{file}");
                Answer answer;
                while (!(answer = await Http.GetAsync(client, url)).Ok && sinceRestart.Elapsed < TimeSpan.FromSeconds(15))
                {
                    notYet.Add(answer);
                    await Task.Delay(200);
                }

                recovered.Add(answer);
            }
        }

        output.WriteLine($"after the restart: {recovered.Count(a => a.Ok)}/{recovered.Count} OK within {sinceRestart.Elapsed.TotalSeconds:F1} s; {notYet.Count} answers before recovery");
        foreach (var answer in notYet.Concat(recovered.Where(a => !a.Ok)))
        {
            output.WriteLine($"  not yet: {answer}");
        }

        // What node 0's tier holds is served, byte for byte.
        Assert.All(held, a => Assert.True(a.Ok && a.Sha256 == expected[a.Url[node0.Length..]], $"held by the tier: {a}"));
        // Node 1 read Other before: its tier serves it.
        Assert.All(otherOnNode1, a => Assert.True(a.Ok && a.Sha256 == expected[a.Url[node1.Length..]], $"held by node 1's tier: {a}"));
        // Everything else: a clear retryable 503, never 500.
        Assert.All(otherOnNode0.Concat(fresh).Concat(viaGateway), a => Assert.True(a.Status == 503 && a.RetryAfter is not null, $"expected 503 + Retry-After: {a}"));
        // And after the restart everything is served again (the fresh version filled).
        Assert.All(recovered, a => Assert.True(a.Ok, $"after the restart: {a}{Environment.NewLine}{cluster.Diagnostics()}"));
        Assert.All(recovered.Where(a => expected.ContainsKey(a.Url[node0.Length..])), a => Assert.Equal(expected[a.Url[node0.Length..]], a.Sha256));
    }

    private static async Task<Answer[]> FetchAllAsync(HttpClient client, string baseUrl, string module)
    {
        var answers = new List<Answer>();
        foreach (var file in Files)
        {
            answers.Add(await Http.GetAsync(client, baseUrl + ScriptedUpstream.UrlPath(module, $"@v/{S3OutageFixture.Version}{file}")));
        }

        return [.. answers];
    }
}
