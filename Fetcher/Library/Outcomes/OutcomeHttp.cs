using System.Globalization;
using Microsoft.AspNetCore.Http;
using ModMesh.Coordination;
using ModMesh.Protocol;

namespace ModMesh.Fetcher.Outcomes;

/// <summary>
/// The one mapping from an <see cref="OutcomeKind"/> to HTTP, used by the node's GOPROXY API and the fetcher's fill
/// API alike. 404 lets a go client fall through to its next GOPROXY entry; 502/504 are the upstream's failures (the
/// gateway never holds them against a node); 503 with Retry-After is the node's own condition.
/// </summary>
public static class OutcomeHttp
{
    private const string TextPlain = "text/plain; charset=utf-8";

    /// <summary>Seconds a client is told to wait before retrying a 503.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The status code of <paramref name="kind"/>.</summary>
    public static int StatusCode(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Ok => 200,
        OutcomeKind.NotFound => 404,
        OutcomeKind.BadRequest => 400,
        OutcomeKind.Rejected or OutcomeKind.UpstreamFailed => 502,
        OutcomeKind.UpstreamTimeout => 504,
        _ => 503,
    };

    /// <summary>True when the answer carries Retry-After (the 503s).</summary>
    public static bool HasRetryAfter(OutcomeKind kind) => StatusCode(kind) == 503;

    /// <summary>The body of a failure: a short prefix saying whose failure it is, then the message.</summary>
    public static string Text(Outcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var prefix = outcome.Kind switch
        {
            OutcomeKind.NotFound => "not found",
            OutcomeKind.BadRequest => "bad request",
            OutcomeKind.Rejected => "upstream content refused",
            OutcomeKind.UpstreamFailed => "upstream failed",
            OutcomeKind.UpstreamTimeout => "upstream timed out",
            OutcomeKind.Overloaded => "overloaded",
            OutcomeKind.StorageUnavailable => "storage unavailable",
            OutcomeKind.Pending => "still being fetched",
            _ => "ok",
        };
        var message = string.IsNullOrEmpty(outcome.Message) ? prefix : $"{prefix}: {outcome.Message}";
        return message.EndsWith('\n') ? message : message + "\n";
    }

    /// <summary>
    /// Which party a failure belongs to, for the gateway's passive health (<see cref="FailureBlame.Node"/> or
    /// <see cref="FailureBlame.Upstream"/>); null for non-failures (2xx, 4xx).
    /// </summary>
    public static string? Blame(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Overloaded or OutcomeKind.StorageUnavailable or OutcomeKind.Pending => FailureBlame.Node,
        OutcomeKind.Rejected or OutcomeKind.UpstreamFailed or OutcomeKind.UpstreamTimeout => FailureBlame.Upstream,
        _ => null,
    };

    /// <summary>
    /// The answer to a request that did not succeed: status, text body, Retry-After on a 503 and the
    /// <see cref="FailureBlame.HeaderName"/> header on every 5xx. The one way failures leave a node or a fetcher.
    /// </summary>
    public static IResult Failure(HttpContext context, Outcome outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(outcome);
        if (HasRetryAfter(outcome.Kind))
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        if (Blame(outcome.Kind) is { } blame)
        {
            context.Response.Headers[FailureBlame.HeaderName] = blame;
        }

        return Results.Text(Text(outcome), TextPlain, statusCode: StatusCode(outcome.Kind));
    }
}
