using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh retention report</c>: the last retention pass's report (<c>GET {proxy}/admin/retention/report</c>,
/// admins only): when it ran, whether it was a dry run, counts and bytes of what it removed (or would remove), what it
/// kept and why, then the versions one per line; <c>--json</c> prints the report as stored. Exit codes: 0 shown, 4
/// refused (401/403), 1 no report yet or a failure.
/// </summary>
internal static class RetentionCommand
{
    public static async Task<int> ReportAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var parsed = Arguments.Parse(args, ["proxy", "token"], ["json"]);
        parsed.ExpectPositional(0, "");
        using var client = AdminClient.Create(parsed, context);
        try
        {
            using var response = await client.GetAsync("admin/retention/report", cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                await context.Error.WriteLineAsync("modmesh: no retention pass has written a report yet").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (!response.IsSuccessStatusCode)
            {
                return await AdminClient.FailedAsync(response, context, cancellationToken).ConfigureAwait(false);
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (parsed.Flag("json"))
            {
                await context.Out.WriteLineAsync(body).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            using var json = JsonDocument.Parse(body);
            await context.Out.WriteAsync(Format(json.RootElement)).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"modmesh: the retention report could not be read: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static string Format(JsonElement report)
    {
        var text = new StringBuilder();
        var dry = report.GetProperty("dryRun").GetBoolean();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"retention pass{(dry ? " (DRY RUN: nothing was deleted)" : "")} on {report.GetProperty("node").GetString()}, {report.GetProperty("startedAt").GetString()} to {report.GetProperty("finishedAt").GetString()}, max unused age {report.GetProperty("maxUnusedAge").GetString()}");
        if (!report.GetProperty("completed").GetBoolean())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"stopped early: {report.GetProperty("stoppedBecause").GetString()}");
        }

        var verb = dry ? "would remove" : "removed";
        foreach (var (name, label) in new[] { ("versions", "versions"), ("queries", "cached list/latest answers"), ("sumdb", "checksum-database answers") })
        {
            var count = report.GetProperty(name);
            text.AppendLine(CultureInfo.InvariantCulture, $"{verb} {count.GetProperty("count").GetInt32()} {label} ({count.GetProperty("bytes").GetInt64()} bytes)");
        }

        text.AppendLine(CultureInfo.InvariantCulture,
            $"kept: {report.GetProperty("keptRecent").GetInt32()} requested recently, {report.GetProperty("keptPrivate").GetInt32()} private, {report.GetProperty("keptInFlight").GetInt32()} being read");
        foreach (var version in report.GetProperty("removedVersions").EnumerateArray())
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {version.GetProperty("module").GetString()}@{version.GetProperty("version").GetString()}  {version.GetProperty("bytes").GetInt64()} bytes  last requested {version.GetProperty("lastRequested").GetString()}");
        }

        if (report.GetProperty("truncated").GetBoolean())
        {
            text.AppendLine("  (the lists are cut short; the counts cover everything)");
        }

        return text.ToString();
    }
}
