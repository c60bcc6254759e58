using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModMesh.Fetcher.Integrity;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.Storage;

namespace ModMesh.CacheNode.Apis;

/// <summary>
/// <c>POST /admin/verify</c>: re-hashes stored versions (<see cref="StoredVersionVerifier"/>) and streams one NDJSON
/// line per version, then a summary line. Query: <c>module=path[@version]</c> and <c>prefix=path</c> (each repeatable;
/// none means every stored version), <c>quarantine=true</c> to move corrupt files out of <c>modules/</c>.
/// Admin only: when <c>ModMesh:InternalKey</c> is set every call carries it (the gateway forwards <c>/admin/...</c>
/// only for admins); without it, only calls from this machine (loopback) are taken.
/// </summary>
public static partial class AdminVerifyApi
{
    /// <summary>The route.</summary>
    public const string Path = "/admin/verify";

    private static readonly JsonSerializerOptions Lines = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapAdminVerifyApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, VerifyAsync).WithName("AdminVerify").ExcludeFromDescription();
        return app;
    }

    internal static async Task VerifyAsync(HttpContext context, StoredVersionVerifier verifier, IConfiguration configuration, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (InternalCalls.Key(configuration) is null && context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
        {
            await WriteTextAsync(context, StatusCodes.Status403Forbidden, "verify is an admin call: set ModMesh:InternalKey and call through the gateway as an admin, or call the node from its own machine");
            return;
        }

        var query = context.Request.Query;
        var modules = new List<string>();
        var versions = new List<(string, string)>();
        foreach (var value in query["module"])
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var at = value.IndexOf('@', StringComparison.Ordinal);
            if (at < 0)
            {
                modules.Add(value);
            }
            else
            {
                versions.Add((value[..at], value[(at + 1)..]));
            }
        }

        var prefixes = query["prefix"].Where(p => !string.IsNullOrEmpty(p)).Select(p => p!.TrimEnd('/')).ToList();
        var quarantine = query["quarantine"].ToString() switch
        {
            "" or "false" or "0" => false,
            "true" or "1" => (bool?)true,
            _ => null,
        };
        if (quarantine is null)
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "quarantine must be true or false");
            return;
        }

        var actor = context.Request.Headers[PublishApi.UserHeader].ToString() is { Length: > 0 } user
            ? user
            : context.Connection.RemoteIpAddress?.ToString() ?? "local";
        var logger = loggers.CreateLogger(typeof(AdminVerifyApi));
        var selection = new VerifySelection(modules, versions, prefixes);
        var checks = verifier.VerifyAsync(selection, quarantine.Value, actor, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var summary = new Summary();
        try
        {
            bool more;
            try
            {
                // The selection is checked before the first line is sent: a bad one is a 400, not a broken stream.
                more = await checks.MoveNextAsync();
            }
            catch (ArgumentException ex)
            {
                await WriteTextAsync(context, StatusCodes.Status400BadRequest, ex.Message);
                return;
            }

            context.Response.ContentType = "application/x-ndjson; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.StartAsync(cancellationToken);
            try
            {
                while (more)
                {
                    var check = checks.Current;
                    summary.Add(check);
                    await WriteLineAsync(context, LineOf(check), cancellationToken);
                    more = await checks.MoveNextAsync();
                }
            }
            catch (Exception ex) when (ex is BlobStoreUnavailableException or IOException && !cancellationToken.IsCancellationRequested)
            {
                summary.Error = "the store could not be read; the run stopped early";
                Log.RunFailed(logger, actor, ex.Message);
            }

            await WriteLineAsync(context, new SummaryLine(summary), cancellationToken);
            Log.RunFinished(logger, actor, quarantine.Value, summary.Versions, summary.Corrupt, summary.Quarantined);
        }
        finally
        {
            await checks.DisposeAsync();
        }
    }

    private static VersionLine LineOf(VersionCheck check) => new(
        check.Module, check.Version, StatusName(check.Status), check.Mismatches, check.Notes, check.ZipHash, check.ModHash, check.Quarantined);

    /// <summary>The status as it appears on the wire (and in the CLI).</summary>
    public static string StatusName(VersionStatus status) => status switch
    {
        VersionStatus.Ok => "ok",
        VersionStatus.NotInChecksumDatabase => "not-in-sumdb",
        VersionStatus.MissingRecord => "missing-record",
        VersionStatus.Mismatch => "mismatch",
        _ => "unreadable",
    };

    private static async Task WriteLineAsync<T>(HttpContext context, T line, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(context.Response.Body, line, Lines, cancellationToken);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task WriteTextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n");
    }

    private sealed record VersionLine(
        string Module, string Version, string Status, IReadOnlyList<string> Mismatches, IReadOnlyList<string> Notes, string? ZipHash, string? ModHash, IReadOnlyList<string> Quarantined);

    private sealed record SummaryLine(Summary Summary);

    private sealed class Summary
    {
        public int Versions { get; set; }

        public int Ok { get; set; }

        public int MissingRecord { get; set; }

        public int NotInChecksumDatabase { get; set; }

        public int Corrupt { get; set; }

        public int Quarantined { get; set; }

        public string? Error { get; set; }

        public void Add(VersionCheck check)
        {
            Versions++;
            Quarantined += check.Quarantined.Count;
            switch (check.Status)
            {
                case VersionStatus.Ok:
                    Ok++;
                    break;
                case VersionStatus.MissingRecord:
                    MissingRecord++;
                    break;
                case VersionStatus.NotInChecksumDatabase:
                    NotInChecksumDatabase++;
                    break;
                default:
                    Corrupt++;
                    break;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2793, Level = LogLevel.Information, Message = "Verify run by '{Actor}' (quarantine {Quarantine}): {Versions} version(s), {Corrupt} corrupt, {Quarantined} file(s) quarantined")]
        public static partial void RunFinished(ILogger logger, string actor, bool quarantine, int versions, int corrupt, int quarantined);

        [LoggerMessage(EventId = 2794, Level = LogLevel.Warning, Message = "Verify run by '{Actor}' stopped early: {Reason}")]
        public static partial void RunFailed(ILogger logger, string actor, string reason);
    }
}
