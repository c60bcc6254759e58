using System.Diagnostics;

namespace ModMesh.Coordination;

/// <summary>
/// The W3C trace context a <see cref="FillJob"/> carries from the node that enqueued it to the fetcher that fills it
/// (<see cref="FillJob.TraceParent"/>), so a cold miss is one trace across the queue. The text is signed with the rest
/// of the job; even so a consumer parses it strictly, and a value that is not a well-formed version-00
/// <c>traceparent</c> only means the fill starts a trace of its own: the trace context affects tracing, nothing else.
/// </summary>
public static class FillJobTrace
{
    /// <summary>Length of a version-00 traceparent: "00-" + 32 hex + "-" + 16 hex + "-" + 2 hex.</summary>
    public const int TraceParentLength = 55;

    /// <summary>The traceparent of <paramref name="activity"/>, or null when there is none (or it is not W3C).</summary>
    public static string? Format(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { Length: TraceParentLength } id } ? id : null;

    /// <summary>
    /// Parses a version-00 W3C traceparent (lowercase hex, trace and span ids not all zero) into a remote parent
    /// context; false for anything else, null included.
    /// </summary>
    public static bool TryParse(string? traceParent, out ActivityContext context)
    {
        context = default;
        if (traceParent is not { Length: TraceParentLength } ||
            !traceParent.StartsWith("00-", StringComparison.Ordinal) || traceParent[35] != '-' || traceParent[52] != '-' ||
            !IsLowerHex(traceParent.AsSpan(3, 32)) || !IsLowerHex(traceParent.AsSpan(36, 16)) || !IsLowerHex(traceParent.AsSpan(53, 2)))
        {
            return false;
        }

        return ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out context) &&
            context.TraceId != default && context.SpanId != default;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
