using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModMesh.Coordination;
using ModMesh.Coordination.InProcess;
using ModMesh.Fetcher.Filling;
using ModMesh.Storage;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;

namespace ModMesh.Fetcher.Tests;

/// <summary>
/// A host wired like a cache node with its fetcher in the same process: folder storage in a temp folder, in-process
/// coordination (the fill queue counted), the fill path against a <see cref="ScriptedUpstream"/>, and optionally the
/// fill-job consumer. Settings override the defaults given here.
/// </summary>
internal sealed class FillHost : IAsyncDisposable
{
    private readonly IHost _host;

    private FillHost(IHost host, string root, CountingFillQueue queue)
    {
        _host = host;
        Root = root;
        Queue = queue;
    }

    public string Root { get; }

    public string StoragePath => Path.Join(Root, "storage");

    public string SpoolPath => Path.Join(Root, "spool");

    public CountingFillQueue Queue { get; }

    public IServiceProvider Services => _host.Services;

    public IModuleFiller Filler => Services.GetRequiredService<IModuleFiller>();

    public ModuleStore Store => Services.GetRequiredService<ModuleStore>();

    /// <summary>Builds the host (not started) from the settings; throws what the wiring throws.</summary>
    public static HostApplicationBuilder CreateBuilder(
        string root, string upstreamUrl, IReadOnlyDictionary<string, string?>? settings, bool withConsumer, CountingFillQueue? queue = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        var values = new Dictionary<string, string?>
        {
            ["ModMesh:Upstream"] = upstreamUrl,
            ["ModMesh:Storage:Path"] = Path.Join(root, "storage"),
            ["ModMesh:Fill:Mode"] = "Queue",
            ["ModMesh:Sumdb"] = "off",
            ["ModMesh:Fill:SpoolPath"] = Path.Join(root, "spool"),
            ["ModMesh:Fetcher:PollWait"] = "00:00:00.200",
            ["ModMesh:Fetcher:ConsumerName"] = "test-fetcher",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // null means "not configured": the option keeps its built-in default.
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        builder.Configuration.AddInMemoryCollection(values);
        if (queue is not null)
        {
            builder.Services.AddSingleton<IFillQueue>(queue); // registered first: the in-process default yields to it
        }

        services?.Invoke(builder.Services); // registered first too: e.g. a fake clock, an observed lock provider

        builder.AddModMeshStorage();
        builder.AddModMeshCoordination();
        builder.AddModuleFilling(FillRole.CacheNode);
        if (withConsumer)
        {
            builder.AddFillJobConsumer();
        }

        return builder;
    }

    public static async Task<FillHost> StartAsync(
        ScriptedUpstream upstream, IReadOnlyDictionary<string, string?>? settings = null, bool withConsumer = true, Action<IServiceCollection>? services = null)
    {
        var root = TempDirectory.CreateUnique("fetcher");
        var queue = new CountingFillQueue(new InProcessFillQueue(TimeProvider.System));
        var host = CreateBuilder(root, upstream.Url, settings, withConsumer, queue, services).Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            TempDirectory.Delete(root);
            throw;
        }

        return new FillHost(host, root, queue);
    }

    /// <summary>A fill request for one file (the zip unless said) of a module path and version in real case.</summary>
    public static FillRequest Request(string modulePath, string version, ModuleFile file = ModuleFile.Zip) =>
        new(modulePath, version, new ModuleVersionKey(ScriptedUpstream.Escape(modulePath), ScriptedUpstream.Escape(version)), file);

    /// <summary>Fills the .info, .mod and .zip of a version, in the go command's order; the first outcome that is not Ok, else Ok.</summary>
    public async Task<Outcome> FillAllAsync(string modulePath, string version, CancellationToken cancellationToken = default)
    {
        foreach (var file in new[] { ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip })
        {
            var outcome = await Filler.EnsureFilledAsync(Request(modulePath, version, file), cancellationToken);
            if (outcome.Kind != OutcomeKind.Ok)
            {
                return outcome;
            }
        }

        return Outcome.Ok;
    }

    /// <summary>The file of a version's blob in the storage folder.</summary>
    public string BlobFile(string modulePath, string version, ModuleFile file) =>
        Path.Join(StoragePath, ModuleStore.KeyOf(Request(modulePath, version).Key, file));

    /// <summary>Files left in the spool folder.</summary>
    public string[] SpoolFiles() => Directory.Exists(SpoolPath) ? Directory.GetFiles(SpoolPath, "*", SearchOption.AllDirectories) : [];

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(bound.Token);
        }
        finally
        {
            _host.Dispose();
            TempDirectory.Delete(Root);
        }
    }
}

/// <summary>An <see cref="IFillQueue"/> decorator that counts jobs enqueued and acknowledged.</summary>
internal sealed class CountingFillQueue(IFillQueue inner) : IFillQueue
{
    private int _enqueued;
    private int _acknowledged;

    public int Enqueued => Volatile.Read(ref _enqueued);

    public int Acknowledged => Volatile.Read(ref _acknowledged);

    public async Task EnqueueAsync(FillJob job, CancellationToken cancellationToken)
    {
        await inner.EnqueueAsync(job, cancellationToken);
        Interlocked.Increment(ref _enqueued);
    }

    public Task<IReadOnlyList<FillJobDelivery>> ReadAsync(string consumer, int maxCount, TimeSpan wait, TimeSpan reclaimAfter, CancellationToken cancellationToken) =>
        inner.ReadAsync(consumer, maxCount, wait, reclaimAfter, cancellationToken);

    public async Task AcknowledgeAsync(FillJobDelivery delivery, CancellationToken cancellationToken)
    {
        await inner.AcknowledgeAsync(delivery, cancellationToken);
        Interlocked.Increment(ref _acknowledged);
    }

    public Task<IAsyncDisposable> StartHeartbeatAsync(string consumer, CancellationToken cancellationToken) =>
        inner.StartHeartbeatAsync(consumer, cancellationToken);
}
