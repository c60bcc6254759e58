using System.Globalization;
using System.Text.RegularExpressions;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Gateway.Tests.Functional;

/// <summary>
/// Three real cache node processes (folder store each, one <see cref="ScriptedUpstream"/>), warmed with every module
/// the load uses. Nodes can be killed, stopped with SIGTERM (drain) and restarted on the same port and store.
/// </summary>
public sealed partial class CacheNodeCluster : IAsyncLifetime
{
    public const int NodeCount = 3;
    public static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(1);
    private readonly ServiceProcess?[] _nodes = new ServiceProcess?[NodeCount];
    private readonly int[] _ports = new int[NodeCount];
    private readonly string[] _storage = new string[NodeCount];
    private ScriptedUpstream _upstream = null!;

    public static readonly string[] Modules = Enumerable.Range(0, 24).Select(i => $"example.com/load/m{i}").ToArray();

    /// <summary>The paths the load requests: .info and .mod of every module.</summary>
    public static readonly string[] Paths = Modules.SelectMany(m => new[] { $"/{m}/@v/v1.0.0.info", $"/{m}/@v/v1.0.0.mod" }).ToArray();

    /// <summary>The upstream every node fills from; a test may inject faults (and must clear them).</summary>
    public ScriptedUpstream Upstream => _upstream;

    public IReadOnlyList<string> Urls => _ports.Select(p => $"http://127.0.0.1:{p}").ToArray();

    public ServiceProcess Node(int i) => _nodes[i] ?? throw new InvalidOperationException($"node {i} is not running");

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        foreach (var module in Modules)
        {
            _upstream.AddModule(module, "v1.0.0");
        }

        for (var i = 0; i < NodeCount; i++)
        {
            _ports[i] = ServiceProcess.FreeLoopbackPort();
            _storage[i] = TempDirectory.CreateUnique($"gateway-node{i}");
        }

        await Task.WhenAll(Enumerable.Range(0, NodeCount).Select(StartAsync));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        foreach (var url in Urls)
        {
            foreach (var path in Paths)
            {
                using var response = await client.GetAsync(url + path);
                response.EnsureSuccessStatusCode();
            }
        }
    }

    public async Task StartAsync(int i)
    {
        _nodes[i] = await ServiceProcess.StartAsync(
            ServiceProcess.Services.CacheNode,
            new Dictionary<string, string?>
            {
                ["ModMesh__Upstream"] = _upstream.Url,
                ["ModMesh__Storage__Path"] = _storage[i],
                ["ModMesh__Private"] = "",
                ["ModMesh__NoSumDb"] = "*",
                ["Drain__Delay"] = DrainDelay.ToString("c", CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
            },
            port: _ports[i]);
    }

    /// <summary>Every node running (a test that killed one leaves it for the next to restart).</summary>
    public async Task EnsureAllRunningAsync()
    {
        for (var i = 0; i < NodeCount; i++)
        {
            if (_nodes[i] is null || _nodes[i]!.HasExited)
            {
                if (_nodes[i] is { } old)
                {
                    await old.DisposeAsync();
                }

                await StartAsync(i);
            }
        }
    }

    public void Kill(int i) => Node(i).Kill();

    /// <summary>SIGTERM (the node drains, then exits); true when it exited on its own.</summary>
    public Task<bool> StopAsync(int i) => Node(i).StopAsync(TimeSpan.FromSeconds(20));

    public async Task RestartAsync(int i)
    {
        if (_nodes[i] is { } old)
        {
            await old.DisposeAsync();
        }

        await StartAsync(i);
    }

    /// <summary>The sum of <c>modmesh_proxy_requests_total</c> on a node's /metrics.</summary>
    public async Task<double> ProxyRequestsAsync(int i)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var text = await client.GetStringAsync(Urls[i] + "/metrics");
        return ProxyRequestsLine().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^modmesh_proxy_requests_total\{[^}]*\} ([0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex ProxyRequestsLine();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        await _upstream.DisposeAsync();
        foreach (var folder in _storage)
        {
            TempDirectory.Delete(folder);
        }
    }
}
