using System.Collections.Concurrent;
using System.Diagnostics;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class FetcherReplacedFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/cluster/fetcherreplaced";
    public const string Version = "v1.0.0";

    /// <summary>6 MiB at 2 MiB/s: a zip transfer takes about 3 s.</summary>
    public const long ZipBytes = 6L << 20;

    public const long BytesPerSecond = 2L << 20;

    // The audit's case: the only fetcher dies mid-fill and a new one starts a second later. ReclaimAfter stays at its
    // 30 s default and the fill lock at its new 6 s default: only the heartbeat can move the job quickly.
    protected override ClusterOptions Options => new()
    {
        Nodes = 1,
        Fetchers = 1,
        WaitTimeout = TimeSpan.FromSeconds(2),
        ReclaimAfter = TimeSpan.FromSeconds(30),
        LockTimeToLive = TimeSpan.FromSeconds(6),
    };

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front)
    {
        upstream.AddLargeZip(Module, Version, ZipBytes);
        front.Throttle(ScriptedUpstream.UrlPath(Module, $"@v/{Version}.zip"), BytesPerSecond);
    }
}

/// <summary>The only fetcher dies in the middle of a fill; its replacement takes the job over within seconds.</summary>
public sealed class FetcherReplacedTests(FetcherReplacedFixture fixture, ITestOutputHelper output) : IClassFixture<FetcherReplacedFixture>
{
    [Fact]
    public async Task KillOnlyFetcher_MidFillAndStartAnother_ClientGetsTheZipLongBeforeReclaimAfter()
    {
        var cluster = fixture.Cluster;
        var zipPath = ScriptedUpstream.UrlPath(FetcherReplacedFixture.Module, $"@v/{FetcherReplacedFixture.Version}.zip");
        var expected = Http.Hex(await fixture.Upstream.Module(FetcherReplacedFixture.Module).Version(FetcherReplacedFixture.Version).ZipSha256Async());
        using var client = Http.NewClient(TimeSpan.FromSeconds(60));
        var answers = new ConcurrentQueue<(TimeSpan At, Answer Answer)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var answer = await Http.GetAsync(client, cluster.Nodes[0].Url + zipPath);
                answers.Enqueue((clock.Elapsed, answer));
                await Task.Delay(answer.Ok ? 500 : 250);
            }
        });

        try
        {
            UpstreamFront.Transfer? transferring = null;
            Assert.True(
                await Http.WaitUntilAsync(
                    () => Task.FromResult((transferring = fixture.Front.TransfersOf(zipPath).FirstOrDefault(t => !t.Ended && t.BytesSent > (1L << 20))) is not null),
                    TimeSpan.FromSeconds(30)),
                $"the fetcher did not start transferring the zip{Environment.NewLine}{cluster.Diagnostics()}");
            var victim = cluster.Fetchers[0];
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {victim} is transferring ({transferring}); killing it");
            var killedAt = clock.Elapsed;
            var killedAtUtc = DateTimeOffset.UtcNow;
            victim.Kill();
            Assert.True(victim.HasExited);

            await Task.Delay(TimeSpan.FromSeconds(1));
            var replacement = await cluster.StartFetcherAsync();
            var readyAtUtc = DateTimeOffset.UtcNow;
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {replacement} started ({(clock.Elapsed - killedAt).TotalSeconds:F1} s after the kill)");

            Assert.True(
                await Http.WaitUntilAsync(() => Task.FromResult(answers.Any(a => a.At > killedAt && a.Answer.Ok)), TimeSpan.FromSeconds(40)),
                $"no client got the zip within 40 s of the kill{Environment.NewLine}{string.Join(Environment.NewLine, fixture.Front.Transfers)}{Environment.NewLine}{cluster.Diagnostics()}");
            var firstOk = answers.Where(a => a.At > killedAt && a.Answer.Ok).MinBy(a => a.At);
            var takeover = fixture.Front.TransfersOf(zipPath).Where(t => t.Client == "f1").Min(t => (DateTimeOffset?)t.Started);
            foreach (var transfer in fixture.Front.TransfersOf(zipPath))
            {
                output.WriteLine($"upstream zip transfer: {transfer} (started {transfer.Started:HH:mm:ss.fff}, ended {transfer.EndedAt:HH:mm:ss.fff})");
            }

            var elapsed = firstOk.At - killedAt;
            Assert.NotNull(takeover);
            var afterKill = takeover.Value - killedAtUtc;
            var afterReady = takeover.Value - readyAtUtc;
            output.WriteLine($"kill → zip at the client: {elapsed.TotalSeconds:F1} s (heartbeat 3 s, lock TTL 6 s, ReclaimAfter 30 s, a transfer {FetcherReplacedFixture.ZipBytes / (double)FetcherReplacedFixture.BytesPerSecond:F1} s); the replacement's zip transfer started {afterKill.TotalSeconds:F1} s after the kill, {afterReady.TotalSeconds:F1} s after it was ready");
            Assert.Equal(expected, firstOk.Answer.Sha256);
            // Before the heartbeat the job waited for ReclaimAfter (measured: zip at the client 36.6 s after the kill).
            // Now the replacement takes it as soon as the dead fetcher's heartbeat (≤ 3 s after the kill) and fill lock
            // (≤ 6 s after the kill, then one lock lifetime of waiting at most) have run out: never ReclaimAfter.
            Assert.True(afterKill < TimeSpan.FromSeconds(30), $"the replacement took the job {afterKill.TotalSeconds:F1} s after the kill: that is ReclaimAfter, not the heartbeat");
            Assert.True(afterReady < TimeSpan.FromSeconds(10), $"the replacement took the job {afterReady.TotalSeconds:F1} s after it was ready");
        }
        finally
        {
            await stop.CancelAsync();
            await loop;
        }
    }
}
