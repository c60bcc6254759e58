using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ModMesh.CacheNode.Queries;
using ModMesh.CacheNode.Retention;
using ModMesh.CacheNode.Sumdb;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Outcomes;
using ModMesh.Fetcher.Status;
using ModMesh.Protocol;
using ModMesh.Storage;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Apis;

/// <summary>The GOPROXY protocol (go.dev/ref/mod#goproxy-protocol) served at the root of the node.</summary>
public static partial class GoProxyApi
{
    /// <summary>Name of the node's meter and activity source.</summary>
    public const string TelemetryName = "ModMesh.CacheNode";

    private const string TextPlain = "text/plain; charset=utf-8";
    private const string Json = "application/json";
    private const string Zip = "application/zip";
    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Mutable = "public, max-age=60";

    private static readonly Meter Meter = new(TelemetryName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("modmesh.proxy.requests", description: "GOPROXY requests answered, by kind and status.");

    /// <summary>The status tag of nearly every request, boxed once.</summary>
    private static readonly object Boxed200 = StatusCodes.Status200OK;

    /// <summary>Maps every GOPROXY route (GET and HEAD) below the root.</summary>
    public static IEndpointRouteBuilder MapGoProxyApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Head], HandleAsync)
            .WithName("GoProxy")
            .ExcludeFromDescription();
        return app;
    }

    internal static async Task<IResult> HandleAsync(
        HttpContext context,
        ModuleStore store,
        IModuleFiller filler,
        ModuleQueries queries,
        ChecksumDatabaseProxy sumdb,
        ModuleUsage usage,
        ILoggerFactory loggers,
        FillActivity activity,
        CancellationToken cancellationToken)
    {
        var status = ProxyPathParser.TryParse(RawPath(context), out var request, out var error);
        if (status != ProxyPathStatus.Ok || request is null)
        {
            return Count("invalid", Failure(context, status == ProxyPathStatus.BadRequest
                ? new Outcome(OutcomeKind.BadRequest, error)
                : new Outcome(OutcomeKind.NotFound, error ?? "not a GOPROXY path")));
        }

        Activity.Current.SetModule(request);

        try
        {
            var result = request.Kind switch
            {
                ProxyRequestKind.List => FromQuery(context, await queries.ListAsync(request, cancellationToken), TextPlain),
                ProxyRequestKind.Latest => FromQuery(context, await queries.LatestAsync(request, cancellationToken), Json),
                ProxyRequestKind.Info when !request.IsCanonicalVersion => FromQuery(context, await queries.InfoQueryAsync(request, cancellationToken), Json),
                ProxyRequestKind.Info => await ServeVersionFileAsync(context, request, ModuleFile.Info, usage, Json, store, filler, activity, cancellationToken),
                ProxyRequestKind.Mod => await ServeVersionFileAsync(context, request, ModuleFile.Mod, usage, TextPlain, store, filler, activity, cancellationToken),
                ProxyRequestKind.Zip => await ServeVersionFileAsync(context, request, ModuleFile.Zip, usage, Zip, store, filler, activity, cancellationToken),
                _ => FromSumdb(context, await sumdb.GetAsync(request, cancellationToken)),
            };
            return Count(request.Kind.ToString(), result);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BlobStoreUnavailableException && !cancellationToken.IsCancellationRequested)
        {
            // The shared store failed under us: retryable, the node's own condition. The details (paths, addresses)
            // go to the log, never to the client.
            Log.StoreFailed(loggers.CreateLogger(typeof(GoProxyApi)), ex);
            return Count(request.Kind.ToString(), Failure(context, new Outcome(OutcomeKind.StorageUnavailable, "retry shortly")));
        }
    }

    private static async Task<IResult> ServeVersionFileAsync(
        HttpContext context,
        ProxyRequest request,
        ModuleFile file,
        ModuleUsage usage,
        string contentType,
        ModuleStore store,
        IModuleFiller filler,
        FillActivity activity,
        CancellationToken cancellationToken)
    {
        var version = request.Version!;
        if (!FillRequest.TryCreate(request.ModulePath, version, file, out var fill, out var invalid))
        {
            // Like the public proxies: a version that cannot belong to this path is simply not there.
            return Failure(context, new Outcome(OutcomeKind.NotFound, $"{request.ModulePath}@{version}: {invalid}"));
        }

        // In flight until the response is sent: retention never removes it meanwhile.
        context.Response.RegisterForDispose(usage.BeginRead(fill.Key));

        // A first look: concurrent misses of one file share the question; the filler looks again before it fetches.
        var committed = await store.GetCommittedAsync(fill.Key, file, cancellationToken, firstLook: true);
        activity.RecordStoreLookup(hit: committed is not null);
        if (committed is null)
        {
            var outcome = await filler.EnsureFilledAsync(fill, cancellationToken);
            if (outcome.Kind != OutcomeKind.Ok)
            {
                return Failure(context, outcome);
            }

            committed = await store.GetCommittedAsync(fill.Key, file, cancellationToken);
            if (committed is null)
            {
                return Failure(context, new Outcome(OutcomeKind.Pending, $"{fill.What} was filled but is not readable yet; retry shortly"));
            }
        }

        // Served: the version's last-requested marker is refreshed when due (off the request path).
        usage.Touch(fill.Key);
        return Blob(context, committed, contentType);
    }

    private static IResult Blob(HttpContext context, CommittedFile committed, string contentType)
    {
        context.Response.Headers.CacheControl = Immutable;
        var properties = committed.Properties;
        var etag = EntityTagHeaderValue.Parse(properties.ETag);
        if (committed.Bytes is { } bytes)
        {
            // Small immutable files (.info, .mod) are kept in memory by the module store.
            return Results.Bytes(bytes, contentType, lastModified: properties.LastModified, entityTag: etag);
        }

        if (committed.LocalPath is { } path)
        {
            // Committed files never change, so the file is sent by path (sendfile).
            return Results.File(path, contentType, lastModified: properties.LastModified, entityTag: etag);
        }

        var reader = committed.Reader!;

        // A stream that cannot seek would go out chunked; the length is known, so say it, and a client can tell a
        // cut-off transfer from a complete one by the length alone.
        if (!reader.Content.CanSeek)
        {
            context.Response.ContentLength = properties.Length;
        }

        return Results.Stream(reader.Content, contentType, lastModified: properties.LastModified, entityTag: etag);
    }

    private static IResult FromQuery(HttpContext context, QueryAnswer answer, string contentType)
    {
        if (answer.Status != OutcomeKind.Ok)
        {
            return Failure(context, new Outcome(answer.Status, answer.Message));
        }

        context.Response.Headers.CacheControl = answer.Stale ? "public, max-age=0, must-revalidate" : Mutable;
        return Results.Bytes(answer.Body!, contentType);
    }

    private static IResult FromSumdb(HttpContext context, ChecksumDatabaseProxy.Answer answer)
    {
        if (answer.StatusCode != StatusCodes.Status200OK)
        {
            var kind = answer.StatusCode switch
            {
                StatusCodes.Status404NotFound => OutcomeKind.NotFound,
                StatusCodes.Status504GatewayTimeout => OutcomeKind.UpstreamTimeout,
                StatusCodes.Status503ServiceUnavailable => OutcomeKind.StorageUnavailable,
                _ => OutcomeKind.UpstreamFailed,
            };
            return Failure(context, new Outcome(kind, answer.Message));
        }

        context.Response.Headers.CacheControl = answer.Immutable ? Immutable : "no-cache";
        return Results.Bytes(answer.Body!, answer.ContentType);
    }

    /// <summary>Every failure leaves the node through here: one mapping (<see cref="OutcomeHttp"/>), text bodies, blame on 5xx.</summary>
    private static IResult Failure(HttpContext context, Outcome outcome) => OutcomeHttp.Failure(context, outcome);

    /// <summary>The request path exactly as the client sent it (escapes intact), without the query.</summary>
    internal static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return context.Request.Path.HasValue ? context.Request.Path.Value! : "/";
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? raw : raw[..query];
    }

    private static IResult Count(string kind, IResult result)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        Requests.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("status", status == StatusCodes.Status200OK ? Boxed200 : status));
        return result;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "The blob store failed while answering a request")]
        public static partial void StoreFailed(ILogger logger, Exception exception);
    }
}
