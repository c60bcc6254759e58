using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModMesh.Gateway.Forwarding.Hedging;

/// <summary>
/// Attaches a <see cref="HedgeTicket"/> to every forwarded GET/HEAD request without a body while hedging is enabled,
/// so <see cref="HedgingHandler"/> (below YARP, in the forwarder's HTTP client) can send it to another node.
/// </summary>
internal sealed class HedgeTicketTransform(IOptionsMonitor<GatewayOptions> options) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddRequestTransform(Attach);

    private ValueTask Attach(RequestTransformContext context)
    {
        var request = context.HttpContext.Request;
        if (options.CurrentValue.Hedging.Enabled
            && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && context.ProxyRequest.Content is null
            && context.HttpContext.GetReverseProxyFeature() is { ProxiedDestination: { } primary, Route.Cluster: { } cluster })
        {
            var ticket = new HedgeTicket(cluster, primary, context.Path, context.Query.QueryString);
            context.ProxyRequest.Options.Set(HedgeTicket.Key, ticket);
            context.HttpContext.Features.Set(ticket);
        }

        return ValueTask.CompletedTask;
    }
}
