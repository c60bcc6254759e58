using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Caching;

/// <summary>
/// Middleware in front of the proxy: answers GET/HEAD for module files (<c>/@v/*.info|.mod|.zip</c>) and checksum
/// database paths from memory when a node has already sent the same path as an immutable answer (<c>Cache-Control:
/// ... immutable</c>: committed module files and authenticated checksum tiles, content that never changes), and keeps
/// such answers up to <see cref="GatewayCacheOptions.MaxEntryBytes"/> each within <see cref="GatewayCacheOptions.MaxBytes"/>
/// in all (<see cref="ImmutableAnswerStore"/>). Everything else, and every miss, goes to the nodes as before; a miss is
/// streamed to the client while a copy is taken (<see cref="CaptureStream"/>), and kept only when complete. Concurrent
/// misses of one path share one trip to a node (<see cref="PendingAnswers"/>): a burst of clients for a file being
/// filled costs the node one answer, and the gateway one copy.
/// </summary>
/// <remarks>
/// The node decides what is immutable: a query (<c>@latest</c>, <c>list</c>, a branch name's <c>.info</c>) is never
/// marked so and never kept. Requests with a query string or a <c>Range</c> header pass through. A hit answers 304 to a
/// matching <c>If-None-Match</c>.
/// </remarks>
internal sealed class ImmutableAnswerCache
{
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");
    private static readonly KeyValuePair<string, object?> Coalesced = new("result", "coalesced");

    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly ImmutableAnswerStore _store;
    private readonly PendingAnswers _pending;
    private readonly Counter<long> _lookups;

    public ImmutableAnswerCache(RequestDelegate next, IOptionsMonitor<GatewayOptions> options, ImmutableAnswerStore store, PendingAnswers pending, IMeterFactory meterFactory)
    {
        _pending = pending;
        _next = next;
        _options = options;
        _store = store;
        var meter = meterFactory.Create(GatewayTelemetry.MeterName);
        _lookups = meter.CreateCounter<long>(GatewayTelemetry.CacheLookups, description: "Module file requests looked up in the gateway's memory cache.");
        meter.CreateObservableGauge(GatewayTelemetry.CacheBytes, () => store.Bytes, unit: "By", description: "Bytes the gateway's memory cache holds.");
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!_options.CurrentValue.Cache.Enabled || !IsCandidate(request))
        {
            await _next(context);
            return;
        }

        var key = request.Path.Value!;
        if (_store.TryGet(key, out var answer))
        {
            _lookups.Add(1, Hit);
            await ServeAsync(context, answer);
            return;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            _lookups.Add(1, Miss);
            await _next(context);
            return;
        }

        var pending = _pending.Join(key, out var leader);
        if (!leader)
        {
            // Another request for the same path is at a node now: share its answer (nginx's proxy_cache_lock).
            if (await pending.WaitAsync(_options.CurrentValue.Cache.LockTimeout, context.RequestAborted) is { } shared)
            {
                _lookups.Add(1, Coalesced);
                await ServeAsync(context, shared);
                return;
            }

            _lookups.Add(1, Miss);
            await _next(context);
            return;
        }

        _lookups.Add(1, Miss);
        ImmutableAnswer? kept = null;
        var response = context.Response;
        var original = response.Body;
        var capture = new CaptureStream(original, response, _options.CurrentValue.Cache.MaxEntryBytes, _pending, copying =>
        {
            if (!copying)
            {
                pending.Complete(null); // this answer will not be kept: the followers need not wait for its body
            }
        });
        response.Body = capture;
        try
        {
            await _next(context);
            if (!context.RequestAborted.IsCancellationRequested
                && context.Features.Get<IForwarderErrorFeature>() is not { Error: not ForwarderError.None }
                && capture.TryTake() is { } body)
            {
                kept = new ImmutableAnswer(body, response.ContentType, response.Headers.ETag, response.Headers.LastModified, response.Headers.CacheControl);
                _store.Add(key, kept);
            }
        }
        finally
        {
            response.Body = original;
            capture.Release();
            pending.Complete(kept);
        }
    }

    /// <summary>True when <paramref name="cacheControl"/> carries the <c>immutable</c> directive.</summary>
    internal static bool IsImmutable(StringValues cacheControl)
    {
        foreach (var value in cacheControl)
        {
            if (value is not null && value.Contains("immutable", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool IsCandidate(HttpRequest request)
    {
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || request.QueryString.HasValue
            || request.Headers.ContainsKey(HeaderNames.Range)
            || request.Path.Value is not { } path)
        {
            return false;
        }

        if (path.StartsWith("/sumdb/", StringComparison.Ordinal))
        {
            return true;
        }

        return path.Contains("/@v/", StringComparison.Ordinal)
            && (path.EndsWith(".info", StringComparison.Ordinal) || path.EndsWith(".mod", StringComparison.Ordinal) || path.EndsWith(".zip", StringComparison.Ordinal));
    }

    private static Task ServeAsync(HttpContext context, ImmutableAnswer answer)
    {
        var response = context.Response;
        response.Headers.ETag = answer.ETag;
        response.Headers.CacheControl = answer.CacheControl;
        if (!StringValues.IsNullOrEmpty(answer.LastModified))
        {
            response.Headers.LastModified = answer.LastModified;
        }

        if (Matches(context.Request.Headers.IfNoneMatch, answer.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = answer.ContentType;
        response.ContentLength = answer.Body.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(answer.Body, context.RequestAborted).AsTask();
    }

    private static bool Matches(StringValues ifNoneMatch, StringValues etag)
    {
        if (StringValues.IsNullOrEmpty(ifNoneMatch) || StringValues.IsNullOrEmpty(etag))
        {
            return false;
        }

        foreach (var header in ifNoneMatch)
        {
            foreach (var candidate in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (candidate == "*" || string.Equals(candidate, etag[0], StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
