using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Routing;

/// <summary>
/// Builds YARP's routes and clusters from <see cref="GatewayOptions"/>: one catch-all route to one cluster holding
/// every cache node. A change of the "Gateway" section (a reloaded appsettings file) replaces the configuration
/// without a restart. Names in <c>Nodes</c> such as "http://cachenode" are expanded to addresses by the service
/// discovery destination resolver that <see cref="GatewayExtensions.AddGateway"/> registers.
/// </summary>
internal sealed class CacheNodeProxyConfigProvider : IProxyConfigProvider, IDisposable
{
    public const string RouteId = "cachenodes-catch-all";
    public const string ClusterId = "cachenodes";

    // Routes the gateway maps itself (/health/live, /health/ready) have order 0 and always win over the catch-all.
    private const int CatchAllOrder = 1_000_000;

    private readonly IDisposable? _subscription;
    private volatile ProxyConfig _config;

    public CacheNodeProxyConfigProvider(IOptionsMonitor<GatewayOptions> options)
    {
        _config = Build(options.CurrentValue);
        _subscription = options.OnChange(updated =>
        {
            var previous = _config;
            _config = Build(updated);
            previous.SignalChanged();
        });
    }

    public IProxyConfig GetConfig() => _config;

    public void Dispose() => _subscription?.Dispose();

    internal static ProxyConfig Build(GatewayOptions options)
    {
        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ClusterId,
            Order = CatchAllOrder,
            Match = new RouteMatch { Path = "{**catch-all}" },
        };

        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Nodes.Length; i++)
        {
            destinations[$"node{i}"] = new DestinationConfig { Address = options.Nodes[i] };
        }

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = options.LoadBalancingPolicy,
            Destinations = destinations,
            // Probes take a dead or draining node out of rotation and bring it back once it answers again;
            // transport failures of real requests take it out at once.
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.HealthProbeInterval,
                    Timeout = options.HealthProbeTimeout,
                    Policy = "ConsecutiveFailures",
                    Path = options.HealthProbePath,
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = "TransportFailureRate",
                    ReactivationPeriod = options.HealthProbeInterval * 2,
                },
            },
            HttpRequest = new ForwarderRequestConfig
            {
                // An idle timeout, not a total one: zips stream for as long as bytes keep flowing.
                ActivityTimeout = options.ActivityTimeout,
                // Stream responses to the client as they arrive; never buffer a body in the gateway.
                AllowResponseBuffering = false,
            },
        };

        return new ProxyConfig([route], [cluster]);
    }

    /// <summary>One generation of the configuration; its change token fires when the next one replaces it.</summary>
    internal sealed class ProxyConfig(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public IReadOnlyList<RouteConfig> Routes { get; } = routes;

        public IReadOnlyList<ClusterConfig> Clusters { get; } = clusters;

        public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

        internal void SignalChanged() => _changed.Cancel();
    }
}
