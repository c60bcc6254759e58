using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using ModMesh.Gateway.Forwarding.Hedging;
using ModMesh.ServiceDefaults.Draining;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModMesh.Gateway.Forwarding;

/// <summary>
/// A node's answer carrying the drain signal (<see cref="DrainSignal.HeaderName"/>: the node got SIGTERM and serves
/// only for its drain delay) takes that node out at once, so no new request goes to it. The answer itself is good and
/// goes to the client, without the header. The node stays out passively until the active probes have had time to see
/// its failing readiness (two intervals and a timeout); from then on the probes keep it out until it is back.
/// </summary>
internal sealed partial class DrainSignalTransform : ITransformProvider
{
    private readonly IDestinationHealthUpdater _healthUpdater;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly ILogger<DrainSignalTransform> _logger;
    private readonly Counter<long> _ejections;

    public DrainSignalTransform(
        IDestinationHealthUpdater healthUpdater,
        IOptionsMonitor<GatewayOptions> options,
        IMeterFactory meterFactory,
        ILogger<DrainSignalTransform> logger)
    {
        _healthUpdater = healthUpdater;
        _options = options;
        _logger = logger;
        _ejections = meterFactory.Create(GatewayTelemetry.MeterName)
            .CreateCounter<long>(GatewayTelemetry.DrainEjections, description: "Nodes taken out at once because they signalled a drain.");
    }

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddResponseTransform(Transform);

    /// <summary>How long a node that signalled a drain stays out before the active probes take over.</summary>
    internal static TimeSpan OutFor(GatewayOptions options)
    {
        var period = (2 * options.HealthProbeInterval) + options.HealthProbeTimeout;
        return period < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : period;
    }

    private ValueTask Transform(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not { } response || !response.Headers.Contains(DrainSignal.HeaderName))
        {
            return ValueTask.CompletedTask;
        }

        context.HttpContext.Response.Headers.Remove(DrainSignal.HeaderName);
        var proxy = context.HttpContext.GetReverseProxyFeature();
        var node = context.HttpContext.Features.Get<HedgeTicket>()?.Responder ?? proxy.ProxiedDestination;
        if (node is not null && proxy.Route.Cluster is { } cluster && node.Health.Passive != DestinationHealth.Unhealthy)
        {
            var outFor = OutFor(_options.CurrentValue);
            Log.Draining(_logger, node.DestinationId, cluster.ClusterId, outFor);
            _ejections.Add(1);
            _healthUpdater.SetPassive(cluster, node, DestinationHealth.Unhealthy, outFor);
        }

        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DrainSignalSeen, LogLevel.Information,
            "Node {DestinationId} of cluster {ClusterId} is draining: out at once (for {OutFor}, then as its probes say).")]
        public static partial void Draining(ILogger logger, string destinationId, string clusterId, TimeSpan outFor);
    }
}
