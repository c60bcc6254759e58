using System.Diagnostics;
using ModMesh.Protocol;

namespace ModMesh.Gateway.Status;

/// <summary>Feeds <see cref="GatewayStatus"/>: the kind, status and duration of every GOPROXY request the gateway answers.</summary>
internal sealed class StatusRecordingMiddleware(RequestDelegate next, GatewayStatus status)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments("/metrics") ||
            path.StartsWithSegments("/status") || path.StartsWithSegments("/status.json") || path == "/")
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            status.RecordRequest(KindOf(path.Value ?? "/"), context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static string KindOf(string path)
    {
        if (path is "/index" or "/catalog")
        {
            return path[1..];
        }

        return ProxyPathParser.TryParse(path, out var request, out _) == ProxyPathStatus.Ok && request is not null
            ? request.Kind.ToString().ToLowerInvariant()
            : "invalid";
    }
}
