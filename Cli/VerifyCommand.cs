using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh verify</c>: asks a node (directly, or through the gateway as an admin) to re-hash the versions it stores
/// (<c>POST {url}/admin/verify</c>) against their recorded h1 and the checksum database, prints one line per version as
/// the answer streams in (or the raw NDJSON with <c>--json</c>) and a summary table. With <c>--quarantine</c> corrupt
/// files are moved aside and filled again on the next request. Exit code 0 when nothing is corrupt, 7 when something
/// is, 1 when the run could not be done.
/// </summary>
internal static class VerifyCommand
{
    private static readonly string[] Statuses = ["ok", "missing-record", "not-in-sumdb", "mismatch", "unreadable"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var parsed = Arguments.Parse(args, ["url", "proxy", "token", "prefix"], ["quarantine", "json"]);
        if (parsed.Option("url") is not null && parsed.Option("proxy") is not null)
        {
            throw new UsageException("give --url or --proxy, not both");
        }

        var baseUrl = parsed.Option("url") ?? parsed.Option("proxy") ?? throw new UsageException("--url <gateway or node URL> is required");
        var query = new StringBuilder();
        foreach (var target in parsed.Positional)
        {
            if (target.Length == 0 || target.StartsWith('-'))
            {
                throw new UsageException($"'{target}' is not a module or module@version");
            }

            query.Append(query.Length == 0 ? '?' : '&').Append("module=").Append(Uri.EscapeDataString(target));
        }

        if (parsed.Option("prefix") is { Length: > 0 } prefix)
        {
            query.Append(query.Length == 0 ? '?' : '&').Append("prefix=").Append(Uri.EscapeDataString(prefix));
        }

        var quarantine = parsed.Flag("quarantine");
        if (quarantine)
        {
            query.Append(query.Length == 0 ? '?' : '&').Append("quarantine=true");
        }

        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/admin/verify" + query, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url '{baseUrl}' is not an http:// or https:// URL");
        }

        using var client = context.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }, disposeHandler: true);
        // A run reads every selected version: it takes as long as it takes; Ctrl+C stops it.
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        var token = parsed.Option("token") ?? context.GetEnvironmentVariable(PublishCommand.TokenVariable);
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var json = parsed.Flag("json");
        var counts = Statuses.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        var corrupt = new List<string>();
        var quarantined = 0;
        string? runError = null;
        var sawSummary = false;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim().Split('\n', 2)[0];
                await context.Error.WriteLineAsync($"modmesh: {url.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}").ConfigureAwait(false);
                return (int)response.StatusCode is 401 or 403 ? ExitCodes.Denied : ExitCodes.Failure;
            }

            using var body = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
            var done = 0;
            while (await body.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (json)
                {
                    await context.Out.WriteLineAsync(line).ConfigureAwait(false);
                }

                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.TryGetProperty("summary", out var summary))
                {
                    sawSummary = true;
                    if (summary.TryGetProperty("error", out var error))
                    {
                        runError = error.GetString();
                    }

                    continue;
                }

                var status = root.GetProperty("status").GetString() ?? "unreadable";
                var what = $"{root.GetProperty("module").GetString()}@{root.GetProperty("version").GetString()}";
                counts[counts.ContainsKey(status) ? status : "unreadable"]++;
                var moved = root.TryGetProperty("quarantined", out var q) ? q.GetArrayLength() : 0;
                quarantined += moved;
                var mismatches = root.TryGetProperty("mismatches", out var m) && m.GetArrayLength() > 0
                    ? " (" + string.Join(", ", m.EnumerateArray().Select(e => e.GetString())) + ")"
                    : "";
                if (status is "mismatch" or "unreadable")
                {
                    corrupt.Add(what + mismatches);
                }

                if (!json)
                {
                    done++;
                    var label = status is "mismatch" or "unreadable" ? status.ToUpperInvariant() : status;
                    await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"[{done}] {label,-14} {what}{mismatches}{(moved > 0 ? $" -> quarantined {moved} file(s)" : "")}")).ConfigureAwait(false);
                    if (status != "ok" && root.TryGetProperty("notes", out var notes))
                    {
                        foreach (var note in notes.EnumerateArray())
                        {
                            await context.Out.WriteLineAsync($"      {note.GetString()}").ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or IOException or KeyNotFoundException or InvalidOperationException)
        {
            await context.Error.WriteLineAsync($"modmesh: the verify run could not be read: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (!json)
        {
            var table = new StringBuilder();
            table.AppendLine(CultureInfo.InvariantCulture, $"{"status",-16} {"versions",8}");
            foreach (var status in Statuses)
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"{status,-16} {counts[status],8}");
            }

            table.Append(CultureInfo.InvariantCulture, $"{"total",-16} {counts.Values.Sum(),8}");
            if (quarantine)
            {
                table.AppendLine().Append(CultureInfo.InvariantCulture, $"{quarantined} file(s) quarantined; they are filled again on the next request");
            }

            await context.Out.WriteLineAsync(table.ToString()).ConfigureAwait(false);
        }

        foreach (var one in corrupt)
        {
            await context.Error.WriteLineAsync($"modmesh: corrupt: {one}").ConfigureAwait(false);
        }

        if (runError is not null || !sawSummary)
        {
            await context.Error.WriteLineAsync($"modmesh: the run did not finish: {runError ?? "the answer ended early"}").ConfigureAwait(false);
            return corrupt.Count > 0 ? ExitCodes.Corrupt : ExitCodes.Failure;
        }

        return corrupt.Count > 0 ? ExitCodes.Corrupt : ExitCodes.Success;
    }
}
