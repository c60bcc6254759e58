using System.Collections.Concurrent;
using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class FetcherCrashFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/cluster/fetchercrash";
    public const string Version = "v1.0.0";

    /// <summary>The throttle on the zip: 30 MiB at 6 MiB/s take about 5 s per transfer.</summary>
    public const long BytesPerSecond = 6L << 20;

    // Requests wait 2 s for the fill, then get 503 + Retry-After: clients keep asking while the fill runs.
    protected override ClusterOptions Options => new() { WaitTimeout = TimeSpan.FromSeconds(2) };

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front)
    {
        upstream.AddLargeZip(Module, Version, 30L << 20);
        front.Throttle(ScriptedUpstream.UrlPath(Module, $"@v/{Version}.zip"), BytesPerSecond);
    }
}

/// <summary>A fetcher process dies in the middle of a large fill.</summary>
public sealed class FetcherCrashTests(FetcherCrashFixture fixture, ITestOutputHelper output) : IClassFixture<FetcherCrashFixture>
{
    [Fact]
    public async Task KillFetcher_MidFill_NoPartialVersionJobReclaimedByOtherFetcherLockReleased()
    {
        var cluster = fixture.Cluster;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        var version = fixture.Upstream.Module(FetcherCrashFixture.Module).Version(FetcherCrashFixture.Version);
        var expected = Http.Hex(await version.ZipSha256Async());
        var zipPath = ScriptedUpstream.UrlPath(FetcherCrashFixture.Module, $"@v/{FetcherCrashFixture.Version}.zip");
        var targets = cluster.Nodes.Select(n => n.Url).Append(cluster.Gateway.Url).ToArray();
        using var client = Http.NewClient(TimeSpan.FromSeconds(90));
        var answers = new ConcurrentQueue<(TimeSpan At, Answer Answer)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();

        // One client per node and one through the gateway, asking again and again until the test ends.
        var loops = targets.Select(target => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var answer = await Http.GetAsync(client, target + zipPath);
                answers.Enqueue((clock.Elapsed, answer));
                await Task.Delay(answer.Ok ? 500 : 250);
            }
        })).ToArray();

        try
        {
            // Wait until a fetcher is really transferring the zip (a few MiB through), then kill exactly that one.
            UpstreamFront.Transfer? transferring = null;
            Assert.True(
                await Http.WaitUntilAsync(
                    () => Task.FromResult((transferring = fixture.Front.TransfersOf(zipPath).FirstOrDefault(t => !t.Ended && t.BytesSent > (4L << 20))) is not null),
                    TimeSpan.FromSeconds(30)),
                $"no fetcher started transferring the zip{Environment.NewLine}{cluster.Diagnostics()}");
            var victimIndex = int.Parse(transferring!.Client[1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.StartsWith("f", transferring.Client, StringComparison.Ordinal);
            var victim = cluster.Fetchers[victimIndex];
            var survivor = cluster.Fetchers[1 - victimIndex];
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {transferring.Client} ({victim}) is transferring: {transferring}; killing it");
            var killedAt = clock.Elapsed;
            var killedAtUtc = DateTimeOffset.UtcNow;
            victim.Kill();
            Assert.True(victim.HasExited);

            // The survivor reclaims the job, takes the lock once it runs out, and fills.
            Assert.True(
                await Http.WaitUntilAsync(() => Task.FromResult(answers.Any(a => a.At > killedAt && a.Answer.Ok)), TimeSpan.FromSeconds(60)),
                $"no client got the version within 60 s of the kill{Environment.NewLine}{string.Join(Environment.NewLine, fixture.Front.Transfers)}{Environment.NewLine}{cluster.Diagnostics()}");
            var firstOk = answers.Where(a => a.At > killedAt && a.Answer.Ok).Min(a => a.At);
            var completed = fixture.Front.TransfersOf(zipPath).Where(t => t.Completed).ToList();
            var fillDone = completed.Count > 0 ? completed.Min(t => t.EndedAt!.Value) : (DateTimeOffset?)null;
            output.WriteLine($"kill → first 200 at a client: {(firstOk - killedAt).TotalSeconds:F1} s (ReclaimAfter 3 s, lock TTL 3 s, a transfer takes {version.ZipLength / (double)FetcherCrashFixture.BytesPerSecond:F1} s)");

            // Let every loop get its answer once more, then stop.
            await Task.Delay(1500);
            await stop.CancelAsync();
            await Task.WhenAll(loops);

            var all = answers.ToArray();
            foreach (var transfer in fixture.Front.TransfersOf(zipPath))
            {
                output.WriteLine($"upstream zip transfer: {transfer} (started {transfer.Started:HH:mm:ss.fff}, ended {transfer.EndedAt:HH:mm:ss.fff})");
            }

            output.WriteLine($"client answers: {all.Length}: {string.Join(", ", all.GroupBy(a => a.Answer.Error is null ? a.Answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "error").Select(g => $"{g.Key}×{g.Count()}"))}");
            output.WriteLine($"upstream requests: .info {fixture.Upstream.RequestCount(FetcherCrashFixture.Module, $"@v/{FetcherCrashFixture.Version}.info")}, .mod {fixture.Upstream.RequestCount(FetcherCrashFixture.Module, $"@v/{FetcherCrashFixture.Version}.mod")}, .zip {fixture.Upstream.RequestCount(zipPath)}");
            using var metricsClient = Http.NewClient();
            var survivorMetrics = await Metrics.ScrapeAsync(metricsClient, survivor);
            var jobsFilled = survivorMetrics.Sum("modmesh_fill_jobs_done_total", ("outcome", "Ok"));
            var jobsRedelivered = survivorMetrics.Sum("modmesh_fill_jobs_done_total", ("redelivered", "true"));
            output.WriteLine($"survivor {survivor.Name} pid {survivor.Pid}: fill jobs done Filled {jobsFilled}, redelivered {jobsRedelivered}");

            // Nobody ever saw a partial version: every 200 is the whole zip; everything else is 503 + Retry-After.
            Assert.All(all, a => Assert.True(
                (a.Answer.Ok && a.Answer.Sha256 == expected && a.Answer.Length == version.ZipLength) ||
                (a.Answer.Error is null && a.Answer.Status == 503 && a.Answer.RetryAfter is not null),
                $"{a.At.TotalSeconds:F1} s: {a.Answer}"));
            // The survivor completed it: the only complete upstream transfer is its own.
            Assert.NotEmpty(completed);
            Assert.All(completed, t => Assert.Equal($"f{1 - victimIndex}", t.Client));
            Assert.True(jobsFilled >= 1, survivorMetrics.Text);

            // No lock left held.
            await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.ConnectionString);
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            RedisKey[] locks = [];
            var released = await Http.WaitUntilAsync(
                async () =>
                {
                    locks = await server.KeysAsync(pattern: "modmesh:lock:*").ToArrayAsync();
                    return locks.Length == 0;
                },
                TimeSpan.FromSeconds(5));
            var pending = await redis.GetDatabase().StreamPendingAsync("modmesh:fills", "fetchers");
            output.WriteLine($"lock keys left: {locks.Length}; fill stream pending entries: {pending.PendingMessageCount}; fill completed {(fillDone is { } d ? $"{(d - killedAtUtc).TotalSeconds:F1} s after the kill (end of the survivor's upstream transfer)" : "?")}");
            Assert.True(released, $"lock keys still held: {string.Join(", ", locks)}");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }
    }
}
