using Microsoft.Extensions.Primitives;
using ModMesh.Protocol;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Forwarding;

/// <summary>What a forwarded request's outcome says about the node that served it.</summary>
internal enum ForwardingOutcome
{
    /// <summary>The node answered (any status but 502/503/504), or the client hung up: nothing against the node.</summary>
    Success,

    /// <summary>
    /// The node answered 502/504 blaming the module's upstream (<see cref="FailureBlame.HeaderName"/>:
    /// <see cref="FailureBlame.Upstream"/>): passed to the client as is, nothing against the node, not retried on another
    /// node (fills are cluster-wide: it would ask the same upstream again).
    /// </summary>
    UpstreamFailure,

    /// <summary>The node could not be reached or broke the connection (refused, reset, bad response).</summary>
    TransportFailure,

    /// <summary>The node went silent for longer than the activity timeout.</summary>
    Timeout,

    /// <summary>The node answered 503, or 502/504 without blaming the upstream (an older or foreign node).</summary>
    FailureStatus,
}

internal static class ForwardingOutcomes
{
    /// <summary>
    /// Classifies the request that just went through the forwarder. A client that hung up is never the node's fault,
    /// and neither is a 404/410 (normal GOPROXY answers), any other status but 502/503/504, or a 502/504 the node
    /// blames on the upstream (<see cref="ForAnswer"/>).
    /// </summary>
    public static ForwardingOutcome Classify(HttpContext context)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return ForwardingOutcome.Success;
        }

        if (context.Features.Get<IForwarderErrorFeature>() is { } error && error.Error != ForwarderError.None)
        {
            return error.Error switch
            {
                ForwarderError.RequestTimedOut or ForwarderError.UpgradeActivityTimeout => ForwardingOutcome.Timeout,
                // The activity timeout fired while the body was streaming (the client did not hang up: checked above).
                ForwarderError.ResponseBodyCanceled => ForwardingOutcome.Timeout,
                ForwarderError.Request
                    or ForwarderError.ResponseHeaders
                    or ForwarderError.RequestBodyDestination
                    or ForwarderError.ResponseBodyDestination
                    or ForwarderError.UpgradeRequestDestination
                    or ForwarderError.UpgradeResponseDestination => ForwardingOutcome.TransportFailure,
                // RequestCreation, client-side body errors, cancellations, NoAvailableDestinations: not the node.
                _ => ForwardingOutcome.Success,
            };
        }

        return ForAnswer(context.Response.StatusCode, context.Response.Headers[FailureBlame.HeaderName]);
    }

    /// <summary>
    /// The one rule for an answer the node sent: 502, 503 and 504 are failures (what nginx's
    /// <c>proxy_next_upstream http_502 http_503 http_504</c> counts), except a 502/504 whose
    /// <see cref="FailureBlame.HeaderName"/> header says <see cref="FailureBlame.Upstream"/>: the upstream's failure. A
    /// 503 is always the node's own, whatever the header says; a 502/504 without the header (an older node, a
    /// foreign one) counts as before.
    /// </summary>
    public static ForwardingOutcome ForAnswer(int statusCode, StringValues blame) => statusCode switch
    {
        StatusCodes.Status502BadGateway or StatusCodes.Status504GatewayTimeout when IsUpstreamBlamed(blame) => ForwardingOutcome.UpstreamFailure,
        StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout => ForwardingOutcome.FailureStatus,
        _ => ForwardingOutcome.Success,
    };

    /// <summary><see cref="ForAnswer(int, StringValues)"/> for an answer as the forwarder's HTTP client received it.</summary>
    public static ForwardingOutcome ForAnswer(HttpResponseMessage response) =>
        ForAnswer((int)response.StatusCode,
            response.Headers.TryGetValues(FailureBlame.HeaderName, out var values) ? new StringValues(values.ToArray()) : StringValues.Empty);

    /// <summary>True for the outcomes the passive health policy holds against the node.</summary>
    public static bool IsNodeFailure(this ForwardingOutcome outcome) =>
        outcome is ForwardingOutcome.TransportFailure or ForwardingOutcome.Timeout or ForwardingOutcome.FailureStatus;

    private static bool IsUpstreamBlamed(StringValues blame) =>
        blame.Count == 1 && string.Equals(blame[0], FailureBlame.Upstream, StringComparison.OrdinalIgnoreCase);
}
