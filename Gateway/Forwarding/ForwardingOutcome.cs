using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Forwarding;

/// <summary>What a forwarded request's outcome says about the node that served it.</summary>
internal enum ForwardingOutcome
{
    /// <summary>The node answered (any status but 502/503/504), or the client hung up: nothing against the node.</summary>
    Success,

    /// <summary>The node could not be reached or broke the connection (refused, reset, bad response).</summary>
    TransportFailure,

    /// <summary>The node went silent for longer than the activity timeout.</summary>
    Timeout,

    /// <summary>The node answered 502, 503 or 504.</summary>
    FailureStatus,
}

internal static class ForwardingOutcomes
{
    /// <summary>
    /// Classifies the request that just went through the forwarder. A client that hung up is never the node's fault,
    /// and neither is a 404/410 (normal GOPROXY answers) or any other status but 502/503/504.
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

        return IsFailureStatus(context.Response.StatusCode) ? ForwardingOutcome.FailureStatus : ForwardingOutcome.Success;
    }

    /// <summary>502, 503 and 504: what nginx's <c>proxy_next_upstream http_502 http_503 http_504</c> counts.</summary>
    public static bool IsFailureStatus(int statusCode) =>
        statusCode is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout;
}
