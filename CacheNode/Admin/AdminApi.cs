using System.Net;
using System.Text.Json;
using ModMesh.CacheNode.Apis;
using ModMesh.CacheNode.Retention;
using ModMesh.Protocol;
using ModMesh.ServiceDefaults.Internal;

namespace ModMesh.CacheNode.Admin;

/// <summary>
/// The node's admin endpoints, below <c>/admin/</c>:
/// <list type="bullet">
/// <item><c>DELETE /admin/modules/{module}</c> and <c>DELETE /admin/modules/{module}/@v/{version}</c> (module and version
/// escaped as in GOPROXY URLs): purge (see <see cref="ModulePurger"/>); answers what was removed as JSON.</item>
/// <item><c>GET /admin/retention/report</c>: the last retention report (JSON), 404 when no pass ran yet.</item>
/// <item><c>POST /admin/retention/run?dryRun=true|false</c>: runs a retention pass now (409 when another node runs one).</item>
/// </list>
/// Who may call: with ModMesh:InternalKey set, only callers that carry it (every path of the node needs it, see
/// <see cref="InternalCalls"/>; a gateway passes admin calls on only for admins); without it, only loopback callers.
/// Every purge is an audit event naming the user the gateway authenticated (<see cref="PublishApi.UserHeader"/>), the
/// module, the version, what was removed and the client's address.
/// </summary>
public static class AdminApi
{
    /// <summary>Maps the admin routes.</summary>
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").ExcludeFromDescription().AddEndpointFilter(OnlyAdminCallers);
        admin.MapDelete("/modules/{**rest}", PurgeAsync).WithName("Purge");
        admin.MapGet("/retention/report", ReportAsync).WithName("RetentionReport");
        admin.MapPost("/retention/run", RunAsync).WithName("RetentionRun");
        admin.Map("/{**rest}", () => Text(404, "unknown admin call: DELETE /admin/modules/{module}[/@v/{version}], GET /admin/retention/report, POST /admin/retention/run"));
        return app;
    }

    private static async ValueTask<object?> OnlyAdminCallers(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var configuration = context.RequestServices.GetRequiredService<IConfiguration>();
        // With the internal key set, the node's middleware already refused every call without it.
        if (InternalCalls.Key(configuration) is null && !(context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)))
        {
            AdminLog.Refused(Logger(context), context.Connection.RemoteIpAddress?.ToString() ?? "", context.Request.Method, context.Request.Path.Value ?? "");
            return Text(403, "admin calls are taken from loopback only unless ModMesh:InternalKey is set (then through a gateway)");
        }

        context.Response.Headers.CacheControl = "no-store";
        return await next(invocation);
    }

    internal static async Task<IResult> PurgeAsync(HttpContext context, ModulePurger purger, CancellationToken cancellationToken)
    {
        // The raw target: escapes intact, exactly as in GOPROXY URLs.
        var raw = GoProxyApi.RawPath(context);
        const string prefix = "/admin/modules/";
        if (!raw.StartsWith(prefix, StringComparison.Ordinal))
        {
            return Text(400, "purge with DELETE /admin/modules/{module}[/@v/{version}]");
        }

        var rest = raw[prefix.Length..];
        string escapedPath;
        string? escapedVersion = null;
        var at = rest.IndexOf("/@v/", StringComparison.Ordinal);
        if (at >= 0)
        {
            escapedPath = rest[..at];
            escapedVersion = rest[(at + 4)..];
        }
        else
        {
            escapedPath = rest.TrimEnd('/');
        }

        if (!CaseEncoding.TryUnescapePath(escapedPath, out var modulePath, out var error) || !ModulePath.IsValid(modulePath, out error))
        {
            return Text(400, $"not a module path (escaped as in GOPROXY URLs): {ClientText.Escape(error ?? "", 120)}");
        }

        string? version = null;
        if (escapedVersion is not null &&
            (!CaseEncoding.TryUnescapeVersion(escapedVersion, out version, out error) || !Semver.IsCanonical(version)))
        {
            return Text(400, $"not a canonical version (escaped as in GOPROXY URLs): {ClientText.Escape(error ?? escapedVersion, 120)}");
        }

        var result = await purger.PurgeAsync(modulePath, escapedPath, version, escapedVersion, cancellationToken);
        AdminLog.Purged(Logger(context), context.Request.Headers[PublishApi.UserHeader].ToString(), Remote(context), modulePath, version ?? "*",
            result.Versions.Count, result.Versions.Sum(v => v.Files.Count), result.Bytes, string.Join(", ", result.Queries));
        return Results.Json(result, RetentionService.ReportJson);
    }

    internal static async Task<IResult> ReportAsync(RetentionService retention, CancellationToken cancellationToken)
    {
        var report = await retention.ReadLastReportAsync(cancellationToken);
        return report is null ? Text(404, "no retention pass has written a report yet") : Results.Bytes(report, "application/json");
    }

    internal static async Task<IResult> RunAsync(HttpContext context, RetentionService retention, CancellationToken cancellationToken)
    {
        var dryRunText = context.Request.Query["dryRun"].ToString();
        if (!bool.TryParse(dryRunText is { Length: > 0 } ? dryRunText : "true", out var dryRun))
        {
            return Text(400, "dryRun must be true or false");
        }

        AdminLog.PassRequested(Logger(context), context.Request.Headers[PublishApi.UserHeader].ToString(), Remote(context), dryRun);
        var report = await retention.RunPassAsync(dryRun, cancellationToken);
        return report is null
            ? Text(409, "another node is running a retention pass; try again later")
            : Results.Json(report, RetentionService.ReportJson);
    }

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminApi));

    private static string Remote(HttpContext context) =>
        context.Request.Headers["X-Forwarded-For"].ToString().Split(',')[0].Trim() is { Length: > 0 } forwarded
            ? forwarded
            : context.Connection.RemoteIpAddress?.ToString() ?? "";

    private static IResult Text(int status, string message) => Results.Text(message + "\n", "text/plain; charset=utf-8", statusCode: status);
}
