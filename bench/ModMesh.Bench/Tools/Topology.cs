using ModMesh.TestSupport.Processes;

namespace ModMesh.Bench.Tools;

/// <summary>
/// ModMesh services started for one section, as real processes from the Release build; disposing records each
/// process's peak RSS, then stops it.
/// </summary>
internal sealed class Topology(BenchContext context, string where) : IAsyncDisposable
{
    private readonly List<(string Role, ServiceProcess Process)> _services = [];

    public IReadOnlyList<ServiceProcess> Nodes => _services.Where(s => s.Role == Roles.CacheNode).Select(s => s.Process).ToList();

    public ServiceProcess? Gateway => _services.FirstOrDefault(s => s.Role == Roles.Gateway).Process;

    /// <summary>
    /// A cache node. Embedded by default (folder store at <paramref name="storage"/>, in-process coordination, fills
    /// itself); extra settings in <paramref name="environment"/> (for S3/Redis).
    /// </summary>
    public async Task<ServiceProcess> StartNodeAsync(string upstream, string? storage, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var scratch = context.NewFolder("node");
        var env = new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = upstream,
            ["ModMesh__Private"] = "",
            // Bench modules are in no checksum database, and none may be asked.
            ["ModMesh__NoSumdb"] = "*",
            ["ModMesh__Sumdb"] = "off",
            ["ModMesh__Fill__SpoolPath"] = Path.Combine(scratch, "spool"),
            ["ModMesh__LocalTier__DiskPath"] = Path.Combine(scratch, "tier"),
        };
        if (storage is not null)
        {
            env["ModMesh__Storage__Path"] = storage;
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        return await StartAsync(Roles.CacheNode, ServiceProcess.Services.CacheNode, env).ConfigureAwait(false);
    }

    /// <summary>The gateway in front of <paramref name="nodes"/>.</summary>
    public async Task<ServiceProcess> StartGatewayAsync(IEnumerable<ServiceProcess> nodes)
    {
        var env = new Dictionary<string, string?>();
        var i = 0;
        foreach (var node in nodes)
        {
            env[$"Gateway__Nodes__{i++}"] = node.Url;
        }

        return await StartAsync(Roles.Gateway, ServiceProcess.Services.Gateway, env).ConfigureAwait(false);
    }

    /// <summary>A fetcher (distributed topology).</summary>
    public async Task<ServiceProcess> StartFetcherAsync(string upstream, IReadOnlyDictionary<string, string?> environment)
    {
        var scratch = context.NewFolder("fetcher");
        var env = new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = upstream,
            ["ModMesh__Private"] = "",
            ["ModMesh__NoSumdb"] = "*",
            ["ModMesh__Sumdb"] = "off",
            ["ModMesh__Fill__SpoolPath"] = Path.Combine(scratch, "spool"),
            ["ModMesh__Fetcher__PollWait"] = "00:00:01",
        };
        foreach (var (k, v) in environment)
        {
            env[k] = v;
        }

        return await StartAsync(Roles.Fetcher, ServiceProcess.Services.Fetcher, env).ConfigureAwait(false);
    }

    private async Task<ServiceProcess> StartAsync(string role, string service, Dictionary<string, string?> env)
    {
        var process = await ServiceProcess.StartAsync(service, env, readyTimeout: TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        _services.Add((role, process));
        return process;
    }

    /// <summary>Throws with the output of every service that has exited (a crash under load must not pass as a slow row).</summary>
    public void ThrowIfAnyExited()
    {
        var dead = _services.Where(s => s.Process.HasExited).ToList();
        if (dead.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, dead.Select(d =>
                $"{d.Process.Name} ({d.Role}) exited during '{where}'. Last output:{Environment.NewLine}{string.Join(Environment.NewLine, d.Process.RecentOutput.Split('\n').TakeLast(30))}")));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (role, process) in _services)
        {
            context.Memory.Record(role, where, process);
        }

        await Task.WhenAll(_services.Select(s => s.Process.DisposeAsync().AsTask())).ConfigureAwait(false);
        _services.Clear();
    }
}

internal static class Roles
{
    public const string CacheNode = "cache node";
    public const string Gateway = "gateway";
    public const string Fetcher = "fetcher";
}
