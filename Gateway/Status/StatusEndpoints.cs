using System.Text.Json;

namespace ModMesh.Gateway.Status;

/// <summary>
/// The status page at <c>/</c> and <c>/status</c> (one small HTML file, no external assets, refreshing itself from
/// <c>/status.json</c> every 2 s) and the JSON behind it (the gateway's own view and the nodes' reports, see
/// <see cref="ClusterStatus"/>), which <c>modmesh status</c> reads too.
/// </summary>
internal static class StatusEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status.json", async (GatewayStatus status, ClusterStatus cluster, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            var snapshot = status.Snapshot() with { Cluster = await cluster.GetAsync() };
            return Results.Json(snapshot, Json);
        }).ExcludeFromDescription();
        app.MapGet("/status", Page).ExcludeFromDescription();
        app.MapGet("/", Page).ExcludeFromDescription();
        return app;
    }

    private static IResult Page(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";
        return Results.Text(StatusPage.Html, "text/html; charset=utf-8");
    }
}
