using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ModMesh.Discovery;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Routing;

/// <summary>
/// Builds YARP's routes and clusters from <see cref="GatewayOptions"/>: one catch-all route to one cluster holding
/// every cache node. The destinations come from the <see cref="IDestinationSource"/> chosen by "Gateway:Discovery"
/// (static nodes, Consul, DNS); a change of the destinations or of the "Gateway" section (a reloaded appsettings
/// file) pushes a new configuration generation without a restart. Names such as "http://cachenode" are expanded to
/// addresses by the service discovery destination resolver that <see cref="GatewayExtensions.AddGateway"/> registers.
/// </summary>
internal sealed class CacheNodeProxyConfigProvider : IProxyConfigProvider, IDisposable
{
    public const string RouteId = "cachenodes-catch-all";
    public const string ClusterId = "cachenodes";

    // Routes the gateway maps itself (/health/live, /health/ready) have order 0 and always win over the catch-all.
    private const int CatchAllOrder = 1_000_000;

    private readonly IDisposable? _subscription;
    private readonly IDisposable _destinationsSubscription;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly IDestinationSource _destinations;
    private readonly Lock _rebuild = new();
    private volatile ProxyConfig _config;

    public CacheNodeProxyConfigProvider(IOptionsMonitor<GatewayOptions> options, IDestinationSource destinations)
    {
        _options = options;
        _destinations = destinations;
        _config = Build(options.CurrentValue, destinations.Current);
        _subscription = options.OnChange(_ => Rebuild());
        _destinationsSubscription = ChangeToken.OnChange(destinations.GetChangeToken, Rebuild);
    }

    public IProxyConfig GetConfig() => _config;

    public void Dispose()
    {
        _subscription?.Dispose();
        _destinationsSubscription.Dispose();
    }

    private void Rebuild()
    {
        ProxyConfig previous;
        lock (_rebuild)
        {
            previous = _config;
            _config = Build(_options.CurrentValue, _destinations.Current);
        }

        previous.SignalChanged();
    }

    /// <summary>The configuration with <c>options.Nodes</c> as destinations ("node0", "node1", ...).</summary>
    internal static ProxyConfig Build(GatewayOptions options) =>
        Build(options, new DestinationSet(options.Nodes.Select((address, i) => new Destination($"node{i}", address))));

    internal static ProxyConfig Build(GatewayOptions options, DestinationSet nodes)
    {
        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ClusterId,
            Order = CatchAllOrder,
            Match = new RouteMatch { Path = "{**catch-all}" },
        };

        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var node in nodes.Items)
        {
            destinations[node.Id] = new DestinationConfig { Address = node.Address };
        }

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = options.LoadBalancingPolicy,
            Destinations = destinations,
            // Probes of /health/ready take a dead node out (3 failures), a silent one sooner (1 timeout), a draining one at
            // once, and bring it back (2 successes);
            // failed requests take it out nginx-style (max_fails within fail_timeout, out for fail_timeout).
            HealthCheck = new HealthCheckConfig
            {
                // nginx's rule when every server is marked failed: try them all anyway rather than answer 503 from the
                // gateway (a probe hiccup on every node at once must not take the whole proxy down).
                AvailableDestinationsPolicy = Yarp.ReverseProxy.Health.HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.HealthProbeInterval,
                    Timeout = options.HealthProbeTimeout,
                    Policy = Health.FailuresAndSuccessesActiveHealthPolicy.PolicyName,
                    Path = options.HealthProbePath,
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = Health.MaxFailsPassiveHealthPolicy.PolicyName,
                    ReactivationPeriod = options.FailTimeout,
                },
            },
            Metadata = new Dictionary<string, string>
            {
                [Health.MaxFailsPassiveHealthPolicy.CountMetadataKey] = options.MaxFails.ToString(CultureInfo.InvariantCulture),
                [Health.MaxFailsPassiveHealthPolicy.FailTimeoutMetadataKey] = options.FailTimeout.ToString("c", CultureInfo.InvariantCulture),
                [Health.FailuresAndSuccessesActiveHealthPolicy.FailuresMetadataKey] = options.HealthProbeFailuresToEject.ToString(CultureInfo.InvariantCulture),
                [Health.FailuresAndSuccessesActiveHealthPolicy.SuccessesMetadataKey] = options.HealthProbeSuccessesToReadmit.ToString(CultureInfo.InvariantCulture),
                [Health.FailuresAndSuccessesActiveHealthPolicy.TimeoutsMetadataKey] = options.HealthProbeTimeoutsToEject.ToString(CultureInfo.InvariantCulture),
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
