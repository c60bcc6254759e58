using System.Diagnostics;
using System.Globalization;
using System.Text;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Processes;
using ModMesh.TestSupport.Servers;

namespace ModMesh.Cluster.Tests.Infrastructure;

/// <summary>How a <see cref="ClusterTopology"/> is configured. Short timeouts: the suite must stay fast.</summary>
public sealed record ClusterOptions
{
    /// <summary>Cache nodes. Default 3.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Fetchers started with the cluster. Default 2.</summary>
    public int Fetchers { get; init; } = 2;

    /// <summary>ModMesh:Fill:WaitTimeout of the nodes: how long a request waits for a fill before its 503.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>ModMesh:Fill:LockTimeToLive (every service).</summary>
    public TimeSpan LockTimeToLive { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>ModMesh:Fetcher:ReclaimAfter.</summary>
    public TimeSpan ReclaimAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Extra settings for every node and fetcher (applied after the defaults).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Extra settings for the gateway (applied after its defaults).</summary>
    public IReadOnlyDictionary<string, string?> GatewayEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Extra settings for one service by its name ("n0".., "f0".., <see cref="ClusterTopology.GatewayName"/>), applied
    /// last: e.g. each service's own OTEL_SERVICE_NAME.
    /// </summary>
    public Func<string, IReadOnlyDictionary<string, string?>>? EnvironmentFor { get; init; }
}

/// <summary>
/// The distributed topology as separate OS processes: a real redis-server, a real s3rver (restartable on the same
/// port and data), N cache nodes and M fetchers (ModMesh.Fetcher.Worker) sharing both, and a gateway in front of the
/// nodes. Each service's upstream is given by a function of its name ("n0".."n2", "f0".."f1"), so a test can route
/// them through an <see cref="UpstreamFront"/> and see who fetches what.
/// </summary>
public sealed class ClusterTopology : IAsyncDisposable
{
    private readonly Func<string, string> _upstreamFor;
    private readonly ClusterOptions _options;
    private readonly string _root;
    private readonly List<ServiceProcess> _everyProcess = [];

    private ClusterTopology(RedisServer redis, RestartableS3rverServer s3, string bucket, Func<string, string> upstreamFor, ClusterOptions options, string root)
    {
        Redis = redis;
        S3 = s3;
        Bucket = bucket;
        _upstreamFor = upstreamFor;
        _options = options;
        _root = root;
    }

    /// <summary>The gateway's name for <see cref="ClusterOptions.EnvironmentFor"/>.</summary>
    public const string GatewayName = "gateway";

    public RedisServer Redis { get; }

    /// <summary>The job-signing key every service of this cluster shares (ModMesh:Coordination:JobSigningKey), new per run.</summary>
    public string JobSigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public RestartableS3rverServer S3 { get; }

    public string Bucket { get; }

    /// <summary>The cache nodes, by index ("n{i}").</summary>
    public ServiceProcess[] Nodes { get; private set; } = [];

    /// <summary>The fetchers started so far, by index ("f{i}").</summary>
    public List<ServiceProcess> Fetchers { get; } = [];

    public ServiceProcess Gateway { get; private set; } = null!;

    /// <summary>How long the whole start took.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>Starts everything; on failure stops what was started and throws with the diagnostics.</summary>
    public static async Task<ClusterTopology> StartAsync(Func<string, string> upstreamFor, ClusterOptions? options = null)
    {
        options ??= new ClusterOptions();
        var clock = Stopwatch.StartNew();
        var redis = new RedisServer(RedisServer.NewPassword()); // as deployed: --requirepass, the password in the connection string
        RestartableS3rverServer? s3 = null;
        ClusterTopology? topology = null;
        try
        {
            s3 = await RestartableS3rverServer.StartNewAsync();
            var bucket = await s3.CreateBucketAsync("modmesh");
            topology = new ClusterTopology(redis, s3, bucket, upstreamFor, options, TempDirectory.CreateUnique("cluster"));
            var nodes = Enumerable.Range(0, options.Nodes).Select(i => topology.StartServiceAsync(ServiceProcess.Services.CacheNode, $"n{i}"));
            var fetchers = Enumerable.Range(0, options.Fetchers).Select(i => topology.StartServiceAsync(ServiceProcess.Services.Fetcher, $"f{i}"));
            var all = await Task.WhenAll(nodes.Concat(fetchers));
            topology.Nodes = all.Take(options.Nodes).ToArray();
            topology.Fetchers.AddRange(all.Skip(options.Nodes));
            var gatewayEnvironment = new Dictionary<string, string?>
            {
                ["Gateway__HealthProbeInterval"] = "00:00:01",
                ["Gateway__HealthProbeTimeout"] = "00:00:02",
            };
            for (var i = 0; i < topology.Nodes.Length; i++)
            {
                gatewayEnvironment[$"Gateway__Nodes__{i}"] = topology.Nodes[i].Url;
            }

            foreach (var (key, value) in options.GatewayEnvironment)
            {
                gatewayEnvironment[key] = value;
            }

            foreach (var (key, value) in options.EnvironmentFor?.Invoke(GatewayName) ?? new Dictionary<string, string?>())
            {
                gatewayEnvironment[key] = value;
            }

            topology.Gateway = await ServiceProcess.StartAsync(ServiceProcess.Services.Gateway, gatewayEnvironment);
            topology._everyProcess.Add(topology.Gateway);
            topology.StartTime = clock.Elapsed;
            return topology;
        }
        catch (Exception ex)
        {
            var diagnostics = topology?.Diagnostics() ?? "";
            if (topology is not null)
            {
                await topology.DisposeAsync();
            }
            else
            {
                redis.Dispose();
                if (s3 is not null)
                {
                    await s3.DisposeAsync();
                }
            }

            throw new InvalidOperationException($"The cluster did not start: {ex.Message}{System.Environment.NewLine}{diagnostics}", ex);
        }
    }

    /// <summary>The disk-tier folder (ModMesh:LocalTier:DiskPath) of node <paramref name="index"/>.</summary>
    public string TierPath(int index) => Path.Combine(_root, $"n{index}", "tier");

    /// <summary>Starts one more fetcher ("f{n}").</summary>
    public async Task<ServiceProcess> StartFetcherAsync()
    {
        var fetcher = await StartServiceAsync(ServiceProcess.Services.Fetcher, $"f{Fetchers.Count}");
        Fetchers.Add(fetcher);
        return fetcher;
    }

    /// <summary>
    /// Starts node <paramref name="index"/> again after it was killed or stopped: same name, settings, folders and
    /// port, so the gateway (which knows it by address) finds it again.
    /// </summary>
    public async Task<ServiceProcess> RestartNodeAsync(int index)
    {
        var old = Nodes[index];
        if (!old.HasExited)
        {
            throw new InvalidOperationException($"{old} is still running: kill or stop it first.");
        }

        var node = await StartServiceAsync(ServiceProcess.Services.CacheNode, $"n{index}", old.BaseAddress.Port);
        Nodes[index] = node;
        return node;
    }

    /// <summary>Every service process (nodes, fetchers, gateway) whether running or not.</summary>
    public IEnumerable<ServiceProcess> Services
    {
        get
        {
            lock (_everyProcess)
            {
                return [.. _everyProcess];
            }
        }
    }

    /// <summary>The recent output of every service and server, for assertion messages.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        foreach (var service in Services)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {service}{(service.HasExited ? " (exited)" : "")} ---");
            text.AppendLine(string.Join(System.Environment.NewLine, service.RecentOutput.Split('\n').TakeLast(40)));
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"--- redis-server :{Redis.Port} ({(Redis.IsRunning ? "running" : "stopped")}) ---");
        text.AppendLine(Redis.RecentOutput.Split('\n').TakeLast(10).Aggregate("", (a, l) => a + l + "\n"));
        text.AppendLine(CultureInfo.InvariantCulture, $"--- {S3} ---");
        text.AppendLine(S3.RecentOutput);
        return text.ToString();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Services.Select(s => s.DisposeAsync().AsTask()));
        Redis.Dispose();
        await S3.DisposeAsync();
        TempDirectory.Delete(_root);
    }

    private async Task<ServiceProcess> StartServiceAsync(string service, string name, int? port = null)
    {
        var folder = Path.Combine(_root, name);
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["ModMesh__Coordination__JobSigningKey"] = JobSigningKey,
            ["ConnectionStrings__blobs"] = S3.ConnectionString(Bucket),
            ["ModMesh__Upstream"] = _upstreamFor(name),
            ["ModMesh__Private"] = "",
            // Test modules have no entries in any checksum database, and none may be asked.
            ["ModMesh__NoSumdb"] = "*",
            ["ModMesh__Fill__WaitTimeout"] = _options.WaitTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["ModMesh__Fill__LockTimeToLive"] = _options.LockTimeToLive.ToString("c", CultureInfo.InvariantCulture),
            ["ModMesh__Fill__Timeout"] = "00:01:30",
            ["ModMesh__Fill__SpoolPath"] = Path.Combine(folder, "spool"),
            ["ModMesh__Fetcher__ReclaimAfter"] = _options.ReclaimAfter.ToString("c", CultureInfo.InvariantCulture),
            ["ModMesh__Fetcher__PollWait"] = "00:00:01",
            ["ModMesh__Fetcher__Concurrency"] = "4",
            ["ModMesh__LocalTier__MemoryBytes"] = (64L << 20).ToString(CultureInfo.InvariantCulture),
            ["ModMesh__LocalTier__MemoryMaxEntryBytes"] = (1L << 20).ToString(CultureInfo.InvariantCulture),
            ["ModMesh__LocalTier__DiskBytes"] = (1L << 30).ToString(CultureInfo.InvariantCulture),
            ["ModMesh__LocalTier__DiskPath"] = Path.Combine(folder, "tier"),
        };
        foreach (var (key, value) in _options.Environment.Concat(_options.EnvironmentFor?.Invoke(name) ?? new Dictionary<string, string?>()))
        {
            environment[key] = value;
        }

        var process = await ServiceProcess.StartAsync(service, environment, readyTimeout: TimeSpan.FromSeconds(60), port: port);
        lock (_everyProcess)
        {
            _everyProcess.Add(process);
        }

        return process;
    }
}
