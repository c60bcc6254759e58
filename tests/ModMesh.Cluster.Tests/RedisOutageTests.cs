using System.Collections.Concurrent;
using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class RedisOutageFixture : ScriptedClusterFixture
{
    public const string Version = "v1.0.0";

    public static readonly string[] Cached = Enumerable.Range(0, 6).Select(i => $"example.com/cluster/steady{i}").ToArray();
    public const string DuringOutage = "example.com/cluster/during";
    public const string AfterRestart = "example.com/cluster/after";

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front)
    {
        foreach (var module in Cached.Append(DuringOutage).Append(AfterRestart))
        {
            upstream.AddModule(module, Version);
        }
    }
}

/// <summary>redis-server dies under a steady load of cached requests, and comes back.</summary>
public sealed class RedisOutageTests(RedisOutageFixture fixture, ITestOutputHelper output) : IClassFixture<RedisOutageFixture>
{
    private static readonly string[] Files = [".info", ".mod", ".zip"];

    [Fact]
    public async Task KillRedis_UnderSteadyLoad_NoFailedRequestsAndFillsWorkBeforeAndAfterRestart()
    {
        var cluster = fixture.Cluster;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        using var client = Http.NewClient(TimeSpan.FromSeconds(30));
        var gateway = cluster.Gateway.Url;
        var cachedUrls = RedisOutageFixture.Cached
            .SelectMany(m => Files.Select(f => gateway + ScriptedUpstream.UrlPath(m, $"@v/{RedisOutageFixture.Version}{f}")))
            .ToArray();
        foreach (var url in cachedUrls)
        {
            var warm = await Http.GetAsync(client, url);
            Assert.True(warm.Ok, $"{warm}{Environment.NewLine}{cluster.Diagnostics()}");
        }

        // 8 loops of cached requests through the gateway for 6 s; redis-server is killed at 1 s and back at 4 s.
        var answers = new ConcurrentQueue<(TimeSpan At, Answer Answer)>();
        var clock = Stopwatch.StartNew();
        var load = Enumerable.Range(0, 8).Select(loop => Task.Run(async () =>
        {
            for (var i = loop; clock.Elapsed < TimeSpan.FromSeconds(6); i++)
            {
                answers.Enqueue((clock.Elapsed, await Http.GetAsync(client, cachedUrls[i % cachedUrls.Length])));
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(1));
        cluster.Redis.Stop();
        var killedAt = clock.Elapsed;
        output.WriteLine($"{killedAt.TotalSeconds:F2} s: redis-server killed");

        // A new version during the outage: the node fills it itself (local single-flight).
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var during = await FetchAllAsync(client, gateway, RedisOutageFixture.DuringOutage);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: new version during the outage: {string.Join("; ", during.Select(a => $"{a.Status} in {a.Elapsed.TotalMilliseconds:F0} ms"))}; fetched upstream by {string.Join(",", fixture.Front.Transfers.Where(t => t.Path.Contains("/during/", StringComparison.Ordinal)).Select(t => t.Client).Distinct())}");

        await Task.Delay(TimeSpan.FromSeconds(4) - clock.Elapsed is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        cluster.Redis.Start();
        var restartedAt = clock.Elapsed;
        output.WriteLine($"{restartedAt.TotalSeconds:F2} s: redis-server restarted (same port, empty)");
        await Task.WhenAll(load);

        var all = answers.ToArray();
        var failed = all.Where(a => !a.Answer.Ok).ToArray();
        var inOutage = all.Count(a => a.At >= killedAt && a.At < restartedAt);
        output.WriteLine($"steady load: {all.Length} cached requests in {clock.Elapsed.TotalSeconds:F1} s ({inOutage} while Redis was down), {failed.Length} failed");
        foreach (var f in failed.Take(10))
        {
            output.WriteLine($"  failed at {f.At.TotalSeconds:F2} s: {f.Answer}");
        }

        // After the restart a new version fills again, with no ModMesh process restarted.
        using var metrics = Http.NewClient();
        var jobsBefore = await FetcherJobsAsync(metrics);
        var sinceRestart = Stopwatch.StartNew();
        var after = await FetchAllAsync(client, gateway, RedisOutageFixture.AfterRestart);
        await Task.Delay(1000); // the Prometheus exporter caches a scrape briefly
        var jobsAfter = await FetcherJobsAsync(metrics);
        var fetchedBy = fixture.Front.Transfers.Where(t => t.Path.Contains("/after/", StringComparison.Ordinal)).Select(t => t.Client).Distinct().ToArray();
        output.WriteLine($"new version after the restart ({(clock.Elapsed - restartedAt).TotalSeconds:F1} s after it): {string.Join("; ", after.Select(a => $"{a.Status} in {a.Elapsed.TotalMilliseconds:F0} ms"))}; fetched upstream by {string.Join(",", fetchedBy)} (fetcher jobs done {jobsBefore} → {jobsAfter}: {(fetchedBy.All(c => c.StartsWith('f')) ? "through the fill queue" : "node-local fallback")})");

        Assert.All(cluster.Services, s => Assert.False(s.HasExited, $"{s} exited{Environment.NewLine}{cluster.Diagnostics()}"));
        Assert.True(inOutage > 0, "no request ran during the outage");
        Assert.Empty(failed.Select(f => f.Answer.ToString()));
        Assert.All(during, a => Assert.True(a.Ok, $"during the outage: {a}{Environment.NewLine}{cluster.Diagnostics()}"));
        Assert.All(after, a => Assert.True(a.Ok, $"after the restart: {a}{Environment.NewLine}{cluster.Diagnostics()}"));
    }

    private static async Task<Answer[]> FetchAllAsync(HttpClient client, string baseUrl, string module)
    {
        var answers = new List<Answer>();
        foreach (var file in Files)
        {
            answers.Add(await Http.GetAsync(client, baseUrl + ScriptedUpstream.UrlPath(module, $"@v/{RedisOutageFixture.Version}{file}")));
        }

        return [.. answers];
    }

    private async Task<double> FetcherJobsAsync(HttpClient client)
    {
        double sum = 0;
        foreach (var fetcher in fixture.Cluster.Fetchers)
        {
            sum += (await Metrics.ScrapeAsync(client, fetcher)).Sum("modmesh_fill_jobs_done_total");
        }

        return sum;
    }
}
