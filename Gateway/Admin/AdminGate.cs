using System.Net;
using System.Text.Json;
using ModMesh.Access;
using ModMesh.Gateway.Access;
using ModMesh.Gateway.Caching;

namespace ModMesh.Gateway.Admin;

/// <summary>
/// The gate of admin calls (<c>/admin/...</c>: purge, the retention report, a retention pass), first of the
/// gateway's access checks. With access control on (a tokens file), a call needs credentials (401 without, or with
/// refused ones) of a user named in Gateway:Access:Admins by name or @group (403 otherwise); with access control off,
/// only loopback clients may call (403). An allowed call goes to a node with the user named in the user header, and is
/// an audit event; a purge's answer (what was removed) is a second one. A purge also drops this gateway's memory of the
/// module's immutable answers (<see cref="ImmutableAnswerStore"/>) before and after the node purges, so this gateway
/// never serves a purged file from memory. Other gateways keep theirs until evicted (they hold immutable bytes, and
/// nothing tells them): purge through each gateway, or restart them, when their copies must go too. A verify that may
/// quarantine (<c>quarantine=true</c>) drops all of this gateway's immutable answers once it ends.
/// </summary>
internal sealed partial class AdminGate(RequestDelegate next, GatewayAccess access, ImmutableAnswerStore answers, ILogger<AdminGate> logger)
{
    /// <summary>The path below which everything is an admin call.</summary>
    public const string PathPrefix = "/admin";

    private const string PurgePrefix = "/admin/modules/";

    /// <summary>The most bytes of a node's purge answer read for the audit line.</summary>
    private const int MaxAnswerBytes = 1 << 20;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments(PathPrefix))
        {
            await next(context);
            return;
        }

        // Only this gate says who the user is.
        context.Request.Headers.Remove(AccessControlMiddleware.UserHeader);
        context.Response.Headers.CacheControl = "no-store";
        var remote = context.Connection.RemoteIpAddress;
        Principal? principal = null;
        if (!access.HasTokens)
        {
            if (remote is null || !IPAddress.IsLoopback(remote))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "", "access control is off: admin calls are taken from loopback only");
                return;
            }
        }
        else
        {
            var header = context.Request.Headers.Authorization.ToString();
            if (header.Length == 0)
            {
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, "", "no credentials");
                return;
            }

            var (who, reason) = access.Authenticate(header);
            if (who is null)
            {
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, "", $"credentials refused: {reason}");
                return;
            }

            if (!access.IsAdmin(who))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, who.User, "not named in Gateway:Access:Admins");
                return;
            }

            principal = who;
            context.Request.Headers[AccessControlMiddleware.UserHeader] = who.User;
        }

        var user = principal?.User ?? "(loopback)";
        Log.Allowed(logger, user, principal?.TokenId ?? "", context.Request.Method, context.Request.Path.Value ?? "", Remote(context));
        if (context.Request.Path.StartsWithSegments("/admin/verify") && context.Request.Query["quarantine"].Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)))
        {
            // A verify that may quarantine: which files it moves is known only to the node (its answer streams to the
            // client untouched), so afterwards this gateway forgets every immutable answer it holds. Rare, and the
            // cost is only refetches from the nodes.
            try
            {
                await next(context);
            }
            finally
            {
                DropCached(["/"], user);
            }

            return;
        }

        if (!HttpMethods.IsDelete(context.Request.Method) || !context.Request.Path.StartsWithSegments("/admin/modules"))
        {
            await next(context);
            return;
        }

        var cachePrefixes = CachePrefixes(context.Request.Path.Value ?? "");
        DropCached(cachePrefixes, user);
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

        DropCached(cachePrefixes, user);
        buffer.Position = 0;
        Log.Purge(logger, context.Response.StatusCode, user, context.Request.Path.Value ?? "", Remote(context), Summary(buffer, context.Response.StatusCode));
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>The cache keys (request paths) a purge path covers: one version's three files, or every file of the module.</summary>
    internal static IReadOnlyList<string> CachePrefixes(string path)
    {
        if (!path.StartsWith(PurgePrefix, StringComparison.Ordinal))
        {
            return [];
        }

        var rest = path[PurgePrefix.Length..];
        var at = rest.IndexOf("/@v/", StringComparison.Ordinal);
        if (at < 0)
        {
            return [$"/{rest.TrimEnd('/')}/@v/"];
        }

        var module = rest[..at];
        var version = rest[(at + 4)..];
        return version.Length == 0 ? [] : [$"/{module}/@v/{version}.info", $"/{module}/@v/{version}.mod", $"/{module}/@v/{version}.zip"];
    }

    private void DropCached(IReadOnlyList<string> prefixes, string user)
    {
        var dropped = prefixes.Sum(answers.RemovePrefix);
        if (dropped > 0)
        {
            Log.CacheDropped(logger, dropped, user);
        }
    }

    /// <summary>"2 versions, 5 files, 1234 bytes: v1.0.0 [zip, mod, info], ..." from the node's JSON answer, or its status.</summary>
    private static string Summary(MemoryStream buffer, int status)
    {
        if (status != StatusCodes.Status200OK || buffer.Length > MaxAnswerBytes)
        {
            return $"node answered {status}";
        }

        try
        {
            using var json = JsonDocument.Parse(buffer);
            var versions = json.RootElement.GetProperty("versions").EnumerateArray()
                .Select(v => $"{v.GetProperty("version").GetString()} [{string.Join(", ", v.GetProperty("files").EnumerateArray().Select(f => f.GetString()))}]")
                .ToList();
            var queries = json.RootElement.GetProperty("queries").EnumerateArray().Select(q => q.GetString()).ToList();
            return $"{versions.Count} versions, {json.RootElement.GetProperty("bytes").GetInt64()} bytes: {string.Join("; ", versions)}; queries [{string.Join(", ", queries)}]";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "node answered 200 with an unreadable body";
        }
    }

    private async Task RefuseAsync(HttpContext context, int status, string user, string reason)
    {
        Log.Refused(logger, status, user, context.Request.Method, context.Request.Path.Value ?? "", Remote(context), reason);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = $"Bearer realm=\"{access.Realm}\"";
            await response.WriteAsync("authentication required: admin calls need an admin's ModMesh token as Bearer\n");
            return;
        }

        await response.WriteAsync("forbidden: admin calls are for the admins of this proxy\n");
    }

    private static string Remote(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "";

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.AdminAllowed, Level = LogLevel.Warning, Message = "Admin call allowed for user '{User}' token '{TokenId}': {Method} {Path} from {Remote}")]
        public static partial void Allowed(ILogger logger, string user, string tokenId, string method, string path, string remote);

        [LoggerMessage(EventId = EventIds.AdminRefused, Level = LogLevel.Warning, Message = "Admin call refused ({Status}) user '{User}': {Method} {Path} from {Remote}: {Reason}")]
        public static partial void Refused(ILogger logger, int status, string user, string method, string path, string remote, string reason);

        [LoggerMessage(EventId = EventIds.AdminCacheDropped, Level = LogLevel.Information, Message = "Purge or quarantine by user '{User}': dropped {Count} cached answers of this gateway")]
        public static partial void CacheDropped(ILogger logger, int count, string user);

        [LoggerMessage(EventId = EventIds.AdminPurged, Level = LogLevel.Warning, Message = "Purge ({Status}) by user '{User}': {Path} from {Remote}: {Removed}")]
        public static partial void Purge(ILogger logger, int status, string user, string path, string remote, string removed);
    }
}
