using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Worker;

/// <summary>
/// The worker's own API: "fill this version". The cluster issue adds the Redis stream consumer beside it; this
/// endpoint lets an operator (or a test) warm the store by hand.
/// </summary>
internal static class FillApi
{
    public static IEndpointRouteBuilder MapFillApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/fill/{**target}", async (string target, IModuleFiller filler, CancellationToken cancellationToken) =>
        {
            var at = target.LastIndexOf('@');
            if (at <= 0)
            {
                return Results.Text("bad request: expected /fill/{module}@{version}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            var path = target[..at];
            var version = target[(at + 1)..];
            if (!ModulePath.IsValidModuleVersion(path, version, out var error) ||
                !CaseEncoding.TryEscapePath(path, out var escapedPath, out error) ||
                !CaseEncoding.TryEscapeVersion(version, out var escapedVersion, out error))
            {
                return Results.Text($"bad request: {error}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            var outcome = await filler.EnsureFilledAsync(new FillRequest(path, version, new ModuleVersionKey(escapedPath, escapedVersion)), cancellationToken);
            return outcome.Status switch
            {
                FillStatus.Filled => Results.Text($"filled {path}@{version}\n", "text/plain; charset=utf-8"),
                FillStatus.NotFound => Results.Text($"not found: {outcome.Message}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound),
                FillStatus.UpstreamTimeout => Results.Text($"upstream timed out: {outcome.Message}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status504GatewayTimeout),
                FillStatus.TimedOut or FillStatus.StorageUnavailable => Results.Text($"{outcome.Message}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable),
                _ => Results.Text($"upstream failed: {outcome.Message}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status502BadGateway),
            };
        });
        return app;
    }
}
