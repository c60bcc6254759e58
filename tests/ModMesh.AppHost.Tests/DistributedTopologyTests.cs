using ModMesh.AppHost.Tests.Infrastructure;
using TempDirectory = ModMesh.TestSupport.TempDirectory;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ModMesh.AppHost.Tests;

/// <summary>
/// The README's distributed run command, <c>dotnet run --project AppHost -- --ModMesh:Topology=distributed …</c>:
/// redis-server and s3rver as executables, cache nodes, a fetcher and the gateway, all started by the real AppHost;
/// the real go client downloads through the gateway, and the fills go through the Redis queue to the fetcher.
/// </summary>
public sealed class DistributedTopologyTests(ITestOutputHelper output)
{
    private const string S3rverInstallCommand = "npm install --prefix .tools s3rver@3.7.1";

    /// <summary>A few corpus modules of different shapes: upper case (!burnt!sushi), /v2, gopkg.in, plain.</summary>
    private static readonly string[] Modules = ["github.com/google/uuid", "github.com/BurntSushi/toml", "github.com/cespare/xxhash/v2", "gopkg.in/yaml.v3"];

    [Fact]
    public async Task RunCommand_Distributed_GoModDownloadThroughGatewayIsFilledByTheFetcher_AndDisposeStopsEveryChild()
    {
        var s3rver = Path.Combine(ServiceProcess.RepositoryRoot, ".tools", "node_modules", "s3rver", "bin", "s3rver.js");
        Assert.True(File.Exists(s3rver),
            $"s3rver is not installed ({s3rver} is missing): the distributed topology cannot start. From {ServiceProcess.RepositoryRoot} run: {S3rverInstallCommand} (bash scripts/test.sh does it).");
        Assert.True(OnPath("redis-server"), "redis-server is not on PATH: apt-get install -y redis-server (bash scripts/test.sh does it).");
        Assert.True(OnPath("node"), "node is not on PATH: apt-get install -y nodejs npm (bash scripts/test.sh does it).");

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var corpus = await GoCorpus.GetAsync();
        await using var upstream = await StaticGoProxyServer.StartAsync(corpus.ProxyTree, timeout.Token);
        var storage = TempDirectory.CreateUnique("apphost-distributed");
        var gatewayPort = AppHostRun.FreePort();
        var redisPort = AppHostRun.FreePort();
        var s3Port = AppHostRun.FreePort();
        // The AppHost makes Redis' password new on every run; this test gives one so it can look into Redis itself.
        var redisPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        string[] args =
        [
            "--ModMesh:Topology=distributed",
            "--ModMesh:CacheNodes=2",
            "--ModMesh:Fetchers=1",
            $"--ModMesh:RedisPort={redisPort}",
            $"--ModMesh:RedisPassword={redisPassword}",
            $"--ModMesh:S3Port={s3Port}",
            $"--ModMesh:Upstream={upstream.Url}",
            "--ModMesh:Sumdb=off",
            $"--ModMesh:Storage:Path={storage}",
            $"--ModMesh:GatewayPort={gatewayPort}",
        ];
        output.WriteLine($"AppHost args: {string.Join(' ', args)}");

        var run = await AppHostRun.StartAsync(args, output, timeout.Token);
        try
        {
            await run.WaitForResourcesAsync(
                healthy: ["cachenode-1", "cachenode-2", "fetcher-1", "gateway"],
                running: ["redis", "blobs"],
                TimeSpan.FromSeconds(90),
                timeout.Token);
            var healthyAfter = run.Elapsed;
            var started = run.RecordProcesses();
            output.WriteLine($"app start to healthy: {healthyAfter.TotalSeconds:F1} s; processes:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", started)}");
            Assert.Contains(started, p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal));
            Assert.Contains(started, p => p.CommandLine.Contains("s3rver", StringComparison.Ordinal));
            Assert.Contains(started, p => p.CommandLine.Contains("ModMesh.Fetcher.Worker", StringComparison.Ordinal));

            var gateway = run.Endpoint("gateway");
            Assert.Equal(gatewayPort, gateway.Port);
            var goProxy = gateway.GetLeftPart(UriPartial.Authority);
            var queries = Modules.Select(m => $"{m}@{corpus.Module(m).MainVersion}").ToArray();

            var viaModMesh = await GoDownloadRun.QueriesAsync(goProxy, queries);
            var direct = await GoDownloadRun.QueriesAsync(upstream.Url, queries);

            Assert.True(viaModMesh.Result.Succeeded, $"{viaModMesh.Result}{Environment.NewLine}{run.Diagnostics()}");
            Assert.True(direct.Result.Succeeded, direct.Result.ToString());
            Assert.All(viaModMesh.Downloads, d => Assert.True(d.Error is null, $"{d.Path}@{d.Version}: {d.Error}"));
            Assert.Equal(queries.Order(StringComparer.Ordinal), viaModMesh.Downloads.Select(d => $"{d.Path}@{d.Version}").Order(StringComparer.Ordinal));
            Assert.All(viaModMesh.Downloads, d => Assert.StartsWith("h1:", d.Sum));
            Assert.Equal(direct.Hashes, viaModMesh.Hashes);
            output.WriteLine(
                $"go mod download {string.Join(' ', queries)} ({viaModMesh.ZipBytes / 1048576.0:F1} MiB of zips): through the gateway (cold, filled by the fetcher) " +
                $"{viaModMesh.Elapsed.TotalSeconds:F2} s, direct {direct.Elapsed.TotalSeconds:F2} s; every h1 hash equal");

            // The fills went through the queue: the cache nodes enqueued jobs, the fetcher did them, the nodes filled nothing themselves.
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            var fetcher = run.Endpoint("fetcher-1");
            PrometheusScrape fetcherMetrics;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            do
            {
                // The exporter caches a scrape briefly: poll until the jobs just done show.
                fetcherMetrics = await PrometheusScrape.ScrapeAsync(http, fetcher, timeout.Token);
            }
            while (fetcherMetrics.Sum("modmesh_fill_jobs_done_total", ("outcome", "Ok")) < queries.Length && DateTime.UtcNow < deadline && await Delay(500));

            var jobsFilled = fetcherMetrics.Sum("modmesh_fill_jobs_done_total", ("outcome", "Ok"));
            var nodes = new[] { run.Endpoint("cachenode-1"), run.Endpoint("cachenode-2") };
            var nodeMetrics = await Task.WhenAll(nodes.Select(n => PrometheusScrape.ScrapeAsync(http, n, timeout.Token)));
            var enqueued = nodeMetrics.Sum(m => m.Sum("modmesh_fill_jobs_enqueued_total"));
            var nodeFills = nodeMetrics.Sum(m => m.Sum("modmesh_fills_total"));
            var fetcherFills = fetcherMetrics.Sum("modmesh_fills_total");
            output.WriteLine($"fetcher-1: {jobsFilled} jobs filled, {fetcherFills} fills; cache nodes: {enqueued} jobs enqueued, {nodeFills} fills of their own");
            var metricsMessage = $"fetcher-1:{Environment.NewLine}{fetcherMetrics.Lines("modmesh_fill")}{Environment.NewLine}" +
                string.Join(Environment.NewLine, nodeMetrics.Select((m, i) => $"cachenode-{i + 1}:{Environment.NewLine}{m.Lines("modmesh_fill")}")) +
                Environment.NewLine + run.Diagnostics();
            Assert.True(jobsFilled >= queries.Length, metricsMessage);
            Assert.True(enqueued >= queries.Length, metricsMessage);
            Assert.True(nodeFills == 0, metricsMessage);

            // The same seen from Redis: the stream modmesh:fills, read by the consumer group of the fetchers, nothing pending.
            // Redis has a password: without it nothing is readable.
            await using (var anonymous = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},abortConnect=false,connectTimeout=5000"))
            {
                var refused = await Assert.ThrowsAnyAsync<RedisException>(() => anonymous.GetDatabase().StreamLengthAsync("modmesh:fills"));
                output.WriteLine($"without the password: {refused.GetType().Name}: {refused.Message}");
            }

            await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},abortConnect=false,connectTimeout=5000,password={redisPassword}");
            var db = redis.GetDatabase();
            var streamLength = await db.StreamLengthAsync("modmesh:fills");
            var groups = await db.StreamGroupInfoAsync("modmesh:fills");
            output.WriteLine($"redis XINFO GROUPS modmesh:fills (length {streamLength}): {string.Join("; ", groups.Select(g => $"{g.Name}: consumers={g.ConsumerCount} pending={g.PendingMessageCount} entries-read={g.EntriesRead} last-delivered={g.LastDeliveredId}"))}");
            var group = Assert.Single(groups, g => g.Name == "fetchers");
            Assert.True(group.ConsumerCount >= 1, $"consumers {group.ConsumerCount}");
            Assert.True(group.EntriesRead >= queries.Length, $"entries read {group.EntriesRead}");
            Assert.Equal(0, group.PendingMessageCount);

            // The blobs went to s3rver, whose data ModMesh:Storage:Path places under <path>/s3.
            var s3Data = Path.Combine(storage, "s3");
            Assert.True(Directory.Exists(s3Data) && Directory.EnumerateFiles(s3Data, "*", SearchOption.AllDirectories).Any(), $"nothing stored under {s3Data}");
        }
        catch
        {
            await run.DisposeAfterFailureAsync(output);
            TempDirectory.Delete(storage);
            throw;
        }

        var survivors = await run.DisposeAndFindSurvivorsAsync(grace: TimeSpan.FromSeconds(15));
        TempDirectory.Delete(storage);
        Assert.True(survivors.Count == 0,
            $"still running after the AppHost was disposed:{Environment.NewLine}{string.Join(Environment.NewLine, survivors)}");
    }

    private static async Task<bool> Delay(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return true;
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));
}
