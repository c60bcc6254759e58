using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// One machine's ModMesh as separate OS processes: a Gateway in front of one CacheNode whose upstream is a
/// <see cref="StaticGoProxyServer"/>, with its blobs in a fresh temporary folder.
/// </summary>
public sealed class ModMeshTopology : IAsyncDisposable
{
    private ModMeshTopology(ServiceProcess node, ServiceProcess gateway, string storage)
    {
        Node = node;
        Gateway = gateway;
        StoragePath = storage;
    }

    public ServiceProcess Node { get; }

    public ServiceProcess Gateway { get; }

    public string StoragePath { get; }

    /// <summary>The GOPROXY URL for the go client.</summary>
    public string GoProxy => Gateway.Url;

    public static async Task<ModMeshTopology> StartAsync(StaticGoProxyServer upstream, CancellationToken cancellationToken = default)
    {
        var storage = TempDirectory.CreateUnique("node-storage");
        ServiceProcess? node = null;
        try
        {
            node = await ServiceProcess.StartAsync(
                ServiceProcess.Services.CacheNode,
                new Dictionary<string, string?>
                {
                    ["ModMesh__Upstream"] = upstream.Url,
                    ["ModMesh__Storage__Path"] = storage,
                    ["ModMesh__Private"] = "",
                    // The corpus is Debian's repacked sources: its zip hashes are not the public ones, and no public
                    // checksum database may be asked (GONOSUMDB-style patterns).
                    ["ModMesh__NoSumDb"] = "*",
                },
                cancellationToken: cancellationToken);
            var gateway = await ServiceProcess.StartAsync(
                ServiceProcess.Services.Gateway,
                new Dictionary<string, string?> { ["Gateway__Nodes__0"] = node.Url },
                cancellationToken: cancellationToken);
            return new ModMeshTopology(node, gateway, storage);
        }
        catch
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }

            TempDirectory.Delete(storage);
            throw;
        }
    }

    /// <summary>The recent output of both services, for assertion messages.</summary>
    public string Diagnostics() =>
        $"--- {Gateway} ---{Environment.NewLine}{Gateway.RecentOutput}{Environment.NewLine}--- {Node} ---{Environment.NewLine}{Node.RecentOutput}";

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Node.DisposeAsync();
        TempDirectory.Delete(StoragePath);
    }
}

/// <summary>The corpus, its upstream and one ModMesh topology, started once for a test class.</summary>
public sealed class ModMeshFixture : IAsyncLifetime
{
    private ModMeshTopology? _topology;
    private StaticGoProxyServer? _upstream;
    private TestSupport.Go.GoCorpus? _corpus;

    public TestSupport.Go.GoCorpus Corpus => _corpus ?? throw new InvalidOperationException("Not initialized.");

    public StaticGoProxyServer Upstream => _upstream ?? throw new InvalidOperationException("Not initialized.");

    public ModMeshTopology ModMesh => _topology ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _corpus = await TestSupport.Go.GoCorpus.GetAsync();
        _upstream = await StaticGoProxyServer.StartAsync(_corpus.ProxyTree);
        _topology = await ModMeshTopology.StartAsync(_upstream);
    }

    public async Task DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }
}
