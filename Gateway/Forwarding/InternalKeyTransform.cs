using ModMesh.ServiceDefaults.Internal;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModMesh.Gateway.Forwarding;

/// <summary>
/// Marks every forwarded request as a call from a ModMesh service (<see cref="InternalCalls"/>): whatever a client
/// sent in <see cref="InternalCalls.HeaderName"/> is removed, and the configured key is added. Nodes that require the
/// key then serve only what came through a gateway, after its access control. The client's <c>Authorization</c> (its
/// ModMesh token) was for the gateway and is not passed on.
/// </summary>
internal sealed class InternalKeyTransform(IConfiguration configuration) : ITransformProvider
{
    private readonly string? _key = InternalCalls.Key(configuration);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddRequestTransform(transform =>
    {
        var headers = transform.ProxyRequest.Headers;
        headers.Remove(InternalCalls.HeaderName);
        headers.Authorization = null;
        if (_key is not null)
        {
            headers.TryAddWithoutValidation(InternalCalls.HeaderName, _key);
        }

        return ValueTask.CompletedTask;
    });
}
