using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace ModMesh.ServiceDefaults.Tracing;

/// <summary>
/// What the HTTP instrumentations of every service leave out of the traces, and how they judge an answer:
/// probes and scrapes are not traced (server side and client side), a 4xx answered by a server is the client's
/// mistake (not an error of the server span, per the OpenTelemetry HTTP conventions), and a lookup answered 404 or
/// 410 found nothing (an expected result, not an error of the client span).
/// </summary>
public static class TracingRules
{
    /// <summary>The semantic-convention attribute the HTTP instrumentations set on a failed span (e.g. "404").</summary>
    public const string ErrorTypeAttribute = "error.type";

    /// <summary>
    /// Marks an outgoing request as not to be traced (the gateway's active health probes): the HTTP client
    /// instrumentation records no span for it, whatever its path.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> Untraced = new("ModMesh.Untraced");

    /// <summary>
    /// Set (true) on a client span whose request was given up on purpose: cancelled by this service (the loser of a
    /// hedged pair, <see cref="MarkAbandoned"/>) or because the caller of the request it served hung up. Its
    /// cancellation is not an error.
    /// </summary>
    public const string AbandonedAttribute = "modmesh.request.abandoned";

    /// <summary>The custom property of a server span that holds its request's abort token.</summary>
    private const string RequestAbortedProperty = "ModMesh.RequestAborted";

    /// <summary>Where the client span of an outgoing request is kept, for <see cref="MarkAbandoned"/>.</summary>
    private static readonly HttpRequestOptionsKey<Activity> ClientActivity = new("ModMesh.ClientActivity");

    /// <summary>Path prefixes (whole segments) of probes and scrapes: health, liveness, metrics.</summary>
    private static readonly string[] UntracedPaths = ["/health", "/alive", "/metrics"];

    /// <summary>Marks <paramref name="request"/> as not to be traced (see <see cref="Untraced"/>).</summary>
    public static HttpRequestMessage MarkUntraced(this HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(Untraced, true);
        return request;
    }

    /// <summary>Whether a request to <paramref name="path"/> is a probe or a scrape (<c>/health/*</c>, <c>/alive</c>, <c>/metrics</c>).</summary>
    public static bool IsProbeOrScrape(PathString path)
    {
        foreach (var prefix in UntracedPaths)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The server-side filter: false for probes and scrapes.</summary>
    public static bool ShouldTrace(HttpContext context) => !IsProbeOrScrape(context.Request.Path);

    /// <summary>The client-side filter: false for requests marked <see cref="Untraced"/> and for probes and scrapes.</summary>
    public static bool ShouldTrace(HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(Untraced, out var untraced) && untraced)
        {
            return false;
        }

        return request.RequestUri is not { IsAbsoluteUri: true } uri || !IsProbeOrScrape(new PathString(uri.AbsolutePath));
    }

    /// <summary>Keeps the client span of <paramref name="request"/> with the request (see <see cref="MarkAbandoned"/>).</summary>
    public static void RememberClientSpan(Activity activity, HttpRequestMessage request) =>
        request.Options.Set(ClientActivity, activity);

    /// <summary>
    /// Says that this service is about to cancel <paramref name="request"/> on purpose (a hedge that lost, a first request
    /// whose hedge won): its client span is tagged <see cref="AbandonedAttribute"/> and ends without an error status.
    /// </summary>
    public static void MarkAbandoned(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Options.TryGetValue(ClientActivity, out var activity) && activity is { IsStopped: false, IsAllDataRequested: true })
        {
            activity.SetTag(AbandonedAttribute, true);
        }
    }

    /// <summary>Keeps the request's abort token on its server span: see <see cref="JudgeEnded"/>.</summary>
    public static void RememberServerRequest(Activity activity, HttpRequest request) =>
        activity.SetCustomProperty(RequestAbortedProperty, request.HttpContext.RequestAborted);

    /// <summary>
    /// At the end of a span (after the instrumentation judged it): a client span this service abandoned on purpose
    /// (<see cref="MarkAbandoned"/>), or one cancelled because the request it served was given up by its own caller
    /// (a client that hung up, the gateway dropping the loser of a hedge) is not an error: it is tagged
    /// <see cref="AbandonedAttribute"/> instead. A client that hangs up is not blamed on the backend.
    /// </summary>
    internal static void JudgeEnded(Activity activity)
    {
        if (activity.Kind == ActivityKind.Client && activity.Status == ActivityStatusCode.Error &&
            (activity.GetTagItem(AbandonedAttribute) is true || (IsCancellation(activity) && CallerGaveUp(activity))))
        {
            Clear(activity);
            activity.SetTag(AbandonedAttribute, true);
        }
    }

    private static bool IsCancellation(Activity activity) =>
        activity.GetTagItem(ErrorTypeAttribute) is string type &&
        (type.EndsWith(nameof(TaskCanceledException), StringComparison.Ordinal) || type.EndsWith(nameof(OperationCanceledException), StringComparison.Ordinal));

    /// <summary>Whether the nearest server span above <paramref name="activity"/> in this process is still running and its request was aborted.</summary>
    private static bool CallerGaveUp(Activity activity)
    {
        for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.GetCustomProperty(RequestAbortedProperty) is CancellationToken aborted)
            {
                return !parent.IsStopped && aborted.IsCancellationRequested;
            }
        }

        return false;
    }

    /// <summary>
    /// A server span that answered below 500 is not an error (a GOPROXY 404/410 is the protocol's "no such version"):
    /// clears an error status that something other than an exception set.
    /// </summary>
    public static void JudgeServerAnswer(Activity activity, HttpResponse response)
    {
        if (response.StatusCode < StatusCodes.Status500InternalServerError && activity.Status == ActivityStatusCode.Error &&
            !activity.Events.Any(e => e.Name == "exception"))
        {
            Clear(activity);
        }
    }

    /// <summary>
    /// A lookup (GET or HEAD) answered 404 or 410 is "not there": the store's "does it exist?" (S3 answers a HEAD or GET
    /// of a missing object with 404) or a GOPROXY upstream's "no such module or version". Every ModMesh caller takes it
    /// as a result, so its client span status stays unset instead of the instrumentation's error for every 4xx (the
    /// conventions leave that to instrumentation that knows better); <c>http.response.status_code</c> still says 404.
    /// </summary>
    public static void JudgeClientAnswer(Activity activity, HttpResponseMessage response)
    {
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone &&
            response.RequestMessage?.Method is { } method && (method == HttpMethod.Get || method == HttpMethod.Head))
        {
            Clear(activity);
        }
    }

    private static void Clear(Activity activity)
    {
        activity.SetStatus(ActivityStatusCode.Unset);
        activity.SetTag(ErrorTypeAttribute, null);
    }
}
