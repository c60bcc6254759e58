using ModMesh.ServiceDefaults.Tracing;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Health;

/// <summary>
/// YARP's probing requests, each marked <see cref="TracingRules.Untraced"/>: a probe of every node every few seconds
/// would otherwise be a trace of its own and bury the real requests (whatever <see cref="GatewayOptions.HealthProbePath"/> is).
/// </summary>
internal sealed class UntracedProbingRequestFactory(IProbingRequestFactory inner) : IProbingRequestFactory
{
    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(ClusterModel cluster, DestinationModel destination) =>
        inner.CreateRequest(cluster, destination).MarkUntraced();
}
