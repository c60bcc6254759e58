using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModMesh.Gateway.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway in this process, on a real Kestrel listener (127.0.0.1, free port), wired exactly as Program.cs does
/// (AddServiceDefaults, AddGateway, MapDefaultEndpoints, MapGateway), with its configuration given in code. Exposes
/// the nodes' health as YARP sees it and the gateway's own counters.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MeterListener _listener = new();
    private long _connectionsOpened;
    private long _retries;
    private long _hedges;
    private long _hedgesMoved;
    private long _hedgesWon;

    private TestGateway(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            switch (instrument.Name)
            {
                case GatewayTelemetry.ConnectionsOpened:
                    Interlocked.Add(ref _connectionsOpened, value);
                    break;
                case GatewayTelemetry.Retries:
                    Interlocked.Add(ref _retries, value);
                    break;
                case GatewayTelemetry.Hedges:
                    Interlocked.Add(ref _hedges, value);
                    foreach (var tag in tags)
                    {
                        if (tag is { Key: "reason", Value: "moved" })
                        {
                            Interlocked.Add(ref _hedgesMoved, value);
                        }
                        else if (tag is { Key: "winner", Value: "hedge" })
                        {
                            Interlocked.Add(ref _hedgesWon, value);
                        }
                    }

                    break;
            }
        });
        _listener.Start();
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>TCP connections the forwarder opened to nodes so far (probes included).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);

    /// <summary>Requests retried on another node so far.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Requests hedged to a second node so far (any reason).</summary>
    public long Hedges => Interlocked.Read(ref _hedges);

    /// <summary>Hedges made because the first node was taken out while the request waited (outside the budget).</summary>
    public long HedgesMoved => Interlocked.Read(ref _hedgesMoved);

    /// <summary>Hedges whose answer went to the client.</summary>
    public long HedgesWon => Interlocked.Read(ref _hedgesWon);

    /// <summary>Settings that make health react in about a second, for functional tests.</summary>
    public static Dictionary<string, string?> FastHealth() => new()
    {
        ["Gateway:HealthProbeInterval"] = "00:00:00.250",
        ["Gateway:HealthProbeTimeout"] = "00:00:00.500",
        ["Gateway:FailTimeout"] = "00:00:02",
        ["Gateway:ActivityTimeout"] = "00:00:02",
        ["Gateway:ConnectTimeout"] = "00:00:01",
    };

    public static async Task<TestGateway> StartAsync(IReadOnlyList<string> nodes, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "ModMesh.Gateway",
        });
        builder.Configuration.Sources.Clear();
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Drain:Delay"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        for (var i = 0; i < nodes.Count; i++)
        {
            all[$"Gateway:Nodes:{i}"] = nodes[i];
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("MODMESH_TEST_GATEWAY_LOGS") == "1")
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddFilter("ModMesh", LogLevel.Debug).AddFilter("Yarp", LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
        }
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.AddServiceDefaults();
        builder.AddGateway();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGateway();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TestGateway(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The cache node destinations as YARP sees them now ("node0", "node1", ...).</summary>
    public DestinationState Node(string destinationId)
    {
        var lookup = _app.Services.GetRequiredService<IProxyStateLookup>();
        if (!lookup.TryGetCluster(CacheNodeProxyConfigProvider.ClusterId, out var cluster))
        {
            throw new InvalidOperationException("The cache node cluster is not configured.");
        }

        return cluster.Destinations[destinationId];
    }

    public IReadOnlyList<DestinationState> Nodes()
    {
        var lookup = _app.Services.GetRequiredService<IProxyStateLookup>();
        return lookup.TryGetCluster(CacheNodeProxyConfigProvider.ClusterId, out var cluster)
            ? cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>
    /// The destination id YARP uses for the node at <paramref name="url"/>: the service discovery resolver expands a
    /// configured destination "node0" into "node0[127.0.0.1:port]".
    /// </summary>
    public string IdOf(string url)
    {
        var wanted = new Uri(url);
        return Nodes().Single(d => new Uri(d.Model.Config.Address) is var address && address.Port == wanted.Port && address.Host == wanted.Host).DestinationId;
    }

    public IReadOnlyList<string> NodeIds() => Nodes().Select(d => d.DestinationId).ToList();

    /// <summary>A module whose rendezvous first choice is the node at <paramref name="url"/>.</summary>
    public string ModuleServedBy(string url, string prefix = "example.com/affinity") => Affinity.ModuleRankedFirstOn(IdOf(url), NodeIds(), prefix);

    public bool IsOut(string destinationId)
    {
        var health = Node(destinationId).Health;
        return health.Active == DestinationHealth.Unhealthy || health.Passive == DestinationHealth.Unhealthy;
    }

    public bool IsIn(string destinationId) => !IsOut(destinationId);

    /// <summary>
    /// Whether the load balancer can pick the node now. YARP recomputes the available nodes in the background after a
    /// health change, so this can lag <see cref="IsOut"/> by a moment.
    /// </summary>
    public bool IsAvailable(string destinationId)
    {
        var lookup = _app.Services.GetRequiredService<IProxyStateLookup>();
        return lookup.TryGetCluster(CacheNodeProxyConfigProvider.ClusterId, out var cluster)
            && cluster.DestinationsState.AvailableDestinations.Any(d => d.DestinationId == destinationId);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
