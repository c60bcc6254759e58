using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Forwarding;

/// <summary>
/// Proxy-pipeline middleware (first in the pipeline, before load balancing): an idempotent request (GET, HEAD) whose
/// node failed before any byte reached the client is sent once more, to the next healthy node. "Failed" is a
/// transport error (refused, reset), a timeout, or a 503 (or 502/504 not blamed on the upstream) answer, its body held
/// back by <see cref="RetryResponseTransform"/>. Never retried: a 502/504 the node blames on the module's upstream
/// (<see cref="ForwardingOutcome.UpstreamFailure"/>: fills are cluster-wide, so another node would ask the same upstream
/// again), other methods, a response that has started (a zip cut mid-stream cannot be resumed), a client that hung up,
/// and a request with no other node left.
/// </summary>
/// <remarks>
/// The retry runs the rest of the pipeline again with the failed node removed from the available nodes, so the load
/// balancer (rendezvous) picks the next node in rank and the passive health policy sees both attempts.
/// </remarks>
internal sealed partial class RetryOnAnotherNodeMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly ILogger<RetryOnAnotherNodeMiddleware> _logger;
    private readonly Counter<long> _retries;

    public RetryOnAnotherNodeMiddleware(
        RequestDelegate next,
        IOptionsMonitor<GatewayOptions> options,
        IMeterFactory meterFactory,
        ILogger<RetryOnAnotherNodeMiddleware> logger)
    {
        _next = next;
        _options = options;
        _logger = logger;
        _retries = meterFactory.Create(GatewayTelemetry.MeterName)
            .CreateCounter<long>(GatewayTelemetry.Retries, description: "Requests retried on another node.");
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        if (!_options.CurrentValue.RetryOnAnotherNode || !IsIdempotent(context.Request.Method) || candidates.Count < 2)
        {
            await _next(context);
            return;
        }

        var attempt = new RetryAttempt { CanRetry = true };
        context.Features.Set(attempt);
        await _next(context);
        attempt.CanRetry = false;

        var failed = proxy.ProxiedDestination;
        var outcome = ForwardingOutcomes.Classify(context);
        var retryable = failed is not null
            && !context.RequestAborted.IsCancellationRequested
            && !context.Response.HasStarted
            && (attempt.SuppressedStatus is not null || outcome is ForwardingOutcome.TransportFailure or ForwardingOutcome.Timeout);
        if (!retryable)
        {
            if (attempt.SuppressedStatus is { } status && !context.Response.HasStarted)
            {
                // The body was held back for a retry that cannot happen (the client hung up): drop the copied headers.
                context.Response.Clear();
                context.Response.StatusCode = status;
            }

            return;
        }

        var next = NextNodes(proxy, candidates, failed!);
        if (next.Count == 0)
        {
            Log.RetryNotPossible(_logger, context.Request.Method, context.Request.Path, failed!.DestinationId);
            if (attempt.SuppressedStatus is { } status)
            {
                context.Response.Clear();
                context.Response.StatusCode = status;
            }

            return;
        }

        var reason = attempt.SuppressedStatus is not null ? "status" : outcome == ForwardingOutcome.Timeout ? "timeout" : "transport";
        Log.Retrying(_logger, context.Request.Method, context.Request.Path, failed!.DestinationId, reason, context.Response.StatusCode);
        _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));

        // Back to a blank response (status 200, no headers) and no recorded error, as if the first attempt never ran.
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Features.Set<RetryAttempt>(null);
        proxy.AvailableDestinations = next;
        proxy.ProxiedDestination = null;
        await _next(context);
    }

    private static bool IsIdempotent(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    /// <summary>
    /// The nodes healthy now (health may have changed while the first attempt ran, e.g. it just took the failed node
    /// out) minus the failed one; when none is left, the nodes that were available at the start minus the failed one.
    /// </summary>
    private static IReadOnlyList<DestinationState> NextNodes(IReverseProxyFeature proxy, IReadOnlyList<DestinationState> atStart, DestinationState failed)
    {
        var now = proxy.Route.Cluster?.DestinationsState.AvailableDestinations ?? atStart;
        var next = Without(now, failed);
        return next.Count > 0 ? next : Without(atStart, failed);

        static List<DestinationState> Without(IReadOnlyList<DestinationState> list, DestinationState failed)
        {
            var result = new List<DestinationState>(list.Count);
            foreach (var destination in list)
            {
                if (!ReferenceEquals(destination, failed))
                {
                    result.Add(destination);
                }
            }

            return result;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RetryingOnAnotherNode, LogLevel.Information,
            "{Method} {Path}: node {DestinationId} failed ({Reason}, status {StatusCode}) before the response started; retrying once on the next node.")]
        public static partial void Retrying(ILogger logger, string method, PathString path, string destinationId, string reason, int statusCode);

        [LoggerMessage(EventIds.RetryNotPossible, LogLevel.Warning,
            "{Method} {Path}: node {DestinationId} failed and no other node is available; not retried.")]
        public static partial void RetryNotPossible(ILogger logger, string method, PathString path, string destinationId);
    }
}
