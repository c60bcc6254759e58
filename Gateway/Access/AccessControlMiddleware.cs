using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.Features;
using ModMesh.Access;
using ModMesh.Protocol;

namespace ModMesh.Gateway.Access;

/// <summary>
/// The first middleware of every GOPROXY request: who is asking (a token as Bearer, or as the password of Basic, which
/// the go command sends from <c>.netrc</c>), and may they read this module. A request without valid credentials for
/// something that needs them is answered 401 with <c>WWW-Authenticate</c>; a request whose user may not read the
/// module, 403. The decision is taken before anything is forwarded or looked up, so the answer is the same whether or
/// not the module exists, and the gateway's memory cache (after this) never serves a private answer to anyone who may
/// not read it. Each refusal and each read of a private module is an audit event (no token in it).
/// </summary>
internal sealed partial class AccessControlMiddleware(
    RequestDelegate next,
    GatewayAccess access,
    ILogger<AccessControlMiddleware> logger,
    IMeterFactory meterFactory)
{
    private readonly Counter<long> _decisions = meterFactory.Create(GatewayTelemetry.MeterName)
        .CreateCounter<long>("modmesh.gateway.access.decisions", description: "GOPROXY requests by access decision (allowed, unauthenticated, forbidden).");

    /// <summary>The header in which the gateway names the authenticated user to the node (a client's own is dropped).</summary>
    public const string UserHeader = "ModMesh-User";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsGoProxyPath(context.Request.Path))
        {
            // The services' own endpoints, and admin calls (the admin gate before this one says who the user is).
            await next(context);
            return;
        }

        // Only this middleware says who the user is; whatever a client put there is not passed on.
        context.Request.Headers.Remove(UserHeader);

        if (context.Request.Path.Equals("/index", StringComparison.Ordinal) || context.Request.Path.Equals("/catalog", StringComparison.Ordinal))
        {
            await IndexAsync(context);
            return;
        }

        var method = context.Request.Method;
        var isUpload = HttpMethods.IsPut(method);
        if (!isUpload && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD, PUT";
            await context.Response.WriteAsync("method not allowed: GET and HEAD read modules, PUT publishes a zip\n");
            return;
        }

        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = raw is { Length: > 0 } && raw[0] == '/' ? (raw.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? raw[..q] : raw) : context.Request.Path.Value ?? "/";
        var status = ProxyPathParser.TryParse(path, out var request, out _);
        if (request is not null)
        {
            Activity.Current.SetModule(request);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (isUpload && (status != ProxyPathStatus.Ok || request is null || request.Kind != ProxyRequestKind.Zip))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("bad request: publish with PUT /{module}/@v/{version}.zip (module path and version escaped as in GOPROXY URLs)\n");
            return;
        }

        if (status != ProxyPathStatus.Ok || request is null)
        {
            // Not a valid module request: the node answers 400/404 for it. Unless it looks like a private path once
            // decoded loosely (letters of any case): then it needs credentials like any private request, so that an
            // odd spelling is never a way past this check.
            if (header.Length == 0 && access.IsPrivate(LooseModulePath(path)))
            {
                await RefuseAsync(context, LooseModulePath(path), StatusCodes.Status401Unauthorized, "credentials required (a path that may name a private module)");
                return;
            }

            await next(context);
            return;
        }

        if (request.IsSumdb && request.ModulePath.Length == 0)
        {
            // A checksum database path that names no module (tiles, latest): public data.
            await next(context);
            return;
        }

        Principal? principal = null;
        if (header.Length > 0)
        {
            var (who, reason) = access.Authenticate(header);
            if (who is null)
            {
                await RefuseAsync(context, request.ModulePath, StatusCodes.Status401Unauthorized, $"credentials refused: {reason}");
                return;
            }

            principal = who;
        }

        var isPrivate = access.IsPrivate(request.ModulePath);
        var decision = access.Policy.Decide(principal, request.ModulePath, isPrivate, isUpload ? AccessOperation.Publish : AccessOperation.Read);
        if (!decision.IsAllowed)
        {
            await RefuseAsync(context, request.ModulePath, decision.DenialStatusCode ?? StatusCodes.Status403Forbidden, decision.Reason, principal, isUpload);
            return;
        }

        _decisions.Add(1, new KeyValuePair<string, object?>("decision", "allowed"));
        if (principal is not null)
        {
            context.Request.Headers[UserHeader] = principal.User;
        }

        if (isUpload)
        {
            // The node checks the zip and answers; this is the audit line of who tried to publish what, from where.
            Log.PublishAllowed(logger, principal!.User, principal.TokenId ?? "", request.ModulePath, request.Version ?? "", Remote(context));
            Activity.Current?.SetTag("enduser.id", principal.User);
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = access.MaxUploadBytes;
            }

            await next(context);
            return;
        }

        if (isPrivate)
        {
            Log.PrivateRead(logger, principal?.User ?? "", principal?.TokenId ?? "", request.ModulePath, request.Version ?? "", request.Kind.ToString(), Remote(context));
            Activity.Current?.SetTag("enduser.id", principal?.User);
        }

        await next(context);
    }

    /// <summary>
    /// The module index feed and the catalog, filtered: a line about a private module is passed on only to a user who may read it,
    /// a public one as for any public read. The node's page (at most 2,000 short lines) is filtered in memory.
    /// </summary>
    private async Task IndexAsync(HttpContext context)
    {
        Principal? principal = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            var (who, reason) = access.Authenticate(header);
            if (who is null)
            {
                await RefuseAsync(context, "", StatusCodes.Status401Unauthorized, $"credentials refused: {reason}");
                return;
            }

            principal = who;
        }

        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            await buffer.CopyToAsync(original, context.RequestAborted);
            return;
        }

        context.Response.ContentLength = null;
        using var lines = new StreamReader(buffer);
        await using var output = new StreamWriter(original, leaveOpen: true);
        while (await lines.ReadLineAsync(context.RequestAborted) is { } line)
        {
            if (IndexLinePath(line) is { } modulePath &&
                access.Policy.Decide(principal, modulePath, access.IsPrivate(modulePath), AccessOperation.Read).IsAllowed)
            {
                await output.WriteAsync(line);
                await output.WriteAsync('\n');
            }
        }
    }

    private static string? IndexLinePath(string line)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("Path", out var path) ? path.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task RefuseAsync(HttpContext context, string modulePath, int status, string reason, Principal? principal = null, bool upload = false)
    {
        _decisions.Add(1, new KeyValuePair<string, object?>("decision", status == StatusCodes.Status401Unauthorized ? "unauthenticated" : "forbidden"));
        Log.Refused(logger, status, principal?.User ?? "", principal?.TokenId ?? "", modulePath, Remote(context), reason);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        if (status == StatusCodes.Status401Unauthorized)
        {
            var realm = access.Realm;
            response.Headers.WWWAuthenticate = new Microsoft.Extensions.Primitives.StringValues([$"Basic realm=\"{realm}\", charset=\"UTF-8\"", $"Bearer realm=\"{realm}\""]);
            await response.WriteAsync("authentication required: send a ModMesh token as Bearer, or as the password of Basic (.netrc)\n");
            return;
        }

        // The same text whether or not the module exists, and nothing about the rules.
        await response.WriteAsync(upload ? "forbidden: this token may not publish this module\n" : "forbidden: this token may not read this module\n");
    }

    /// <summary>The part of a URL path before "/@v/" or "/@latest", without '!' escapes and percent-escapes undone.</summary>
    private static string LooseModulePath(string path)
    {
        var decoded = Uri.UnescapeDataString(path).TrimStart('/').Replace("!", "", StringComparison.Ordinal);
        var end = decoded.IndexOf("/@", StringComparison.Ordinal);
        return end < 0 ? decoded : decoded[..end];
    }

    /// <summary>Every path but the services' own endpoints is a GOPROXY path.</summary>
    private static bool IsGoProxyPath(PathString path) =>
        !(path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments("/metrics") || path.StartsWithSegments(Admin.AdminGate.PathPrefix));

    private static string Remote(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "";

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Access refused ({Status}) user '{User}' token '{TokenId}' module {ModulePath} from {Remote}: {Reason}")]
        public static partial void Refused(ILogger logger, int status, string user, string tokenId, string modulePath, string remote, string reason);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Publish allowed for user '{User}' token '{TokenId}': {ModulePath}@{Version} from {Remote}")]
        public static partial void PublishAllowed(ILogger logger, string user, string tokenId, string modulePath, string version, string remote);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Private read by user '{User}' token '{TokenId}': {ModulePath}@{Version} {Kind} from {Remote}")]
        public static partial void PrivateRead(ILogger logger, string user, string tokenId, string modulePath, string version, string kind, string remote);
    }
}
