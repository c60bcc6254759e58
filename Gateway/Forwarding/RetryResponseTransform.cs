using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModMesh.Gateway.Forwarding;

/// <summary>
/// Makes a node's failed answer (<see cref="ForwardingOutcome.FailureStatus"/>: a 503, or a 502/504 not blamed on the
/// upstream) retryable: YARP copies the status and headers into the response before the
/// body, but nothing reaches the client until the first body byte is written. When the request may still be retried,
/// this transform tells YARP not to copy the body (<see cref="ResponseTransformContext.SuppressResponseBody"/>), so
/// the response has not started and <see cref="RetryOnAnotherNodeMiddleware"/> can clear it and ask the next node.
/// Nothing is buffered. A 502/504 the node blames on the upstream is passed through at once: another node would ask
/// the same upstream again.
/// </summary>
internal sealed class RetryResponseTransform : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddResponseTransform(Transform);

    private static ValueTask Transform(ResponseTransformContext context)
    {
        if (context.ProxyResponse is { } response
            && ForwardingOutcomes.ForAnswer(response) == ForwardingOutcome.FailureStatus
            && context.HttpContext.Features.Get<RetryAttempt>() is { CanRetry: true } attempt
            && !context.HttpContext.RequestAborted.IsCancellationRequested
            && !context.HttpContext.Response.HasStarted)
        {
            context.SuppressResponseBody = true;
            attempt.SuppressedStatus = (int)response.StatusCode;
        }

        return ValueTask.CompletedTask;
    }
}
