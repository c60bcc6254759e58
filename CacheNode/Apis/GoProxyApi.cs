using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ModMesh.CacheNode.Queries;
using ModMesh.CacheNode.Sumdb;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
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
    private const int RetryAfterSeconds = 5;

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
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var status = ProxyPathParser.TryParse(RawPath(context), out var request, out var error);
        if (status != ProxyPathStatus.Ok || request is null)
        {
            return Count("invalid", status == ProxyPathStatus.BadRequest
                ? Text(StatusCodes.Status400BadRequest, $"bad request: {error}")
                : Text(StatusCodes.Status404NotFound, $"not found: {error ?? "not a GOPROXY path"}"));
        }

        try
        {
            var result = request.Kind switch
            {
                ProxyRequestKind.List => FromQuery(context, await queries.ListAsync(request, cancellationToken), TextPlain),
                ProxyRequestKind.Latest => FromQuery(context, await queries.LatestAsync(request, cancellationToken), Json),
                ProxyRequestKind.Info when !request.IsCanonicalVersion => FromQuery(context, await queries.InfoQueryAsync(request, cancellationToken), Json),
                ProxyRequestKind.Info => await ServeVersionFileAsync(context, request, ModuleFile.Info, Json, store, filler, cancellationToken),
                ProxyRequestKind.Mod => await ServeVersionFileAsync(context, request, ModuleFile.Mod, TextPlain, store, filler, cancellationToken),
                ProxyRequestKind.Zip => await ServeVersionFileAsync(context, request, ModuleFile.Zip, Zip, store, filler, cancellationToken),
                _ => FromSumdb(context, await sumdb.GetAsync(request, cancellationToken)),
            };
            return Count(request.Kind.ToString(), result);
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The shared store failed under us: retryable, and not the client's fault.
            Log.StoreFailed(loggers.CreateLogger(typeof(GoProxyApi)), ex);
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Count(request.Kind.ToString(), Text(StatusCodes.Status503ServiceUnavailable, $"storage unavailable: {ex.Message}"));
        }
    }

    private static async Task<IResult> ServeVersionFileAsync(
        HttpContext context,
        ProxyRequest request,
        ModuleFile file,
        string contentType,
        ModuleStore store,
        IModuleFiller filler,
        CancellationToken cancellationToken)
    {
        var version = request.Version!;
        if (!ModulePath.IsValidModuleVersion(request.ModulePath, version, out var invalid))
        {
            // Like the public proxies: a version that cannot belong to this path is simply not there.
            return Text(StatusCodes.Status404NotFound, $"not found: {request.ModulePath}@{version}: {invalid}");
        }

        var key = new ModuleVersionKey(request.EscapedModulePath, request.EscapedVersion!);
        var committed = await store.GetCommittedAsync(key, file, cancellationToken);
        if (committed is null)
        {
            var outcome = await filler.EnsureFilledAsync(new FillRequest(request.ModulePath, version, key), cancellationToken);
            switch (outcome.Status)
            {
                case FillStatus.Filled:
                    committed = await store.GetCommittedAsync(key, file, cancellationToken);
                    break;
                case FillStatus.NotFound:
                    return Text(StatusCodes.Status404NotFound, $"not found: {outcome.Message}");
                case FillStatus.TimedOut or FillStatus.StorageUnavailable:
                    context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Text(StatusCodes.Status503ServiceUnavailable, outcome.Message ?? "still being fetched; retry shortly");
                case FillStatus.UpstreamTimeout:
                    return Text(StatusCodes.Status504GatewayTimeout, $"upstream timed out: {outcome.Message}");
                default:
                    return Text(StatusCodes.Status502BadGateway, $"upstream failed: {outcome.Message}");
            }

            if (committed is null)
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Text(StatusCodes.Status503ServiceUnavailable, $"{request.ModulePath}@{version} was filled but is not readable yet; retry shortly");
            }
        }

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
        switch (answer.Status)
        {
            case QueryStatus.Ok:
                context.Response.Headers.CacheControl = answer.Stale ? "public, max-age=0, must-revalidate" : Mutable;
                return Results.Bytes(answer.Body!, contentType);
            case QueryStatus.NotFound:
                return Text(StatusCodes.Status404NotFound, $"not found: {answer.Message}");
            case QueryStatus.UpstreamTimeout:
                return Text(StatusCodes.Status504GatewayTimeout, $"upstream timed out: {answer.Message}");
            default:
                return Text(StatusCodes.Status502BadGateway, $"upstream failed: {answer.Message}");
        }
    }

    private static IResult FromSumdb(HttpContext context, ChecksumDatabaseProxy.Answer answer)
    {
        if (answer.StatusCode != StatusCodes.Status200OK)
        {
            return Text(answer.StatusCode, answer.StatusCode == StatusCodes.Status404NotFound ? $"not found: {answer.Message}" : $"upstream failed: {answer.Message}");
        }

        context.Response.Headers.CacheControl = answer.Immutable ? Immutable : "no-cache";
        return Results.Bytes(answer.Body!, answer.ContentType);
    }

    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return context.Request.Path.HasValue ? context.Request.Path.Value! : "/";
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? raw : raw[..query];
    }

    private static IResult Text(int statusCode, string message) =>
        Results.Text(message.EndsWith('\n') ? message : message + "\n", TextPlain, statusCode: statusCode);

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
