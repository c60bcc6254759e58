using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh status</c>: the gateway's status page in the terminal (<c>GET {proxy}/status.json</c>): nodes in service
/// with their health and last probe, the last minute's requests by kind, the memory cache's hit ratio, and what the nodes in service
/// report (tier use, hit ratios by tier, the fill queue, recent fills, upstream health). Exit code 0
/// when every node is in service, 1 when some are out or the gateway cannot be read (usable in scripts and probes).
/// </summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var parsed = Arguments.Parse(args, ["proxy"], []);
        var proxy = parsed.RequireOption("proxy", "gateway URL");
        if (!Uri.TryCreate(proxy.TrimEnd('/') + "/status.json", UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--proxy '{proxy}' is not an http:// or https:// URL");
        }

        using var client = context.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }, disposeHandler: true);
        client.Timeout = TimeSpan.FromSeconds(10);
        JsonElement status;
        try
        {
            using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await context.Error.WriteLineAsync($"modmesh: {url} answered {(int)response.StatusCode}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            status = document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            await context.Error.WriteLineAsync($"modmesh: the gateway's status could not be read: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var nodes = status.GetProperty("nodes").EnumerateArray().ToList();
        var inService = status.GetProperty("nodesInService").GetInt32();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{inService} of {nodes.Count} cache nodes in service");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"node",-16} {"state",-11} {"active",-10} {"passive",-10} {"in flight",9}  last probe");
        foreach (var node in nodes)
        {
            var probe = node.GetProperty("lastProbe").ValueKind == JsonValueKind.String ? node.GetProperty("lastProbe").GetString() : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{node.GetProperty("node").GetString(),-16} {(node.GetProperty("inService").GetBoolean() ? "in service" : "OUT"),-11} {node.GetProperty("active").GetString(),-10} {node.GetProperty("passive").GetString(),-10} {node.GetProperty("inFlight").GetInt32(),9}  {probe}");
        }

        text.AppendLine("requests in the last minute:");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"kind",-10} {"requests",9} {"5xx",6} {"p50 ms",9} {"p99 ms",9}");
        foreach (var kind in status.GetProperty("lastMinute").EnumerateArray())
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{kind.GetProperty("kind").GetString(),-10} {kind.GetProperty("requests").GetInt32(),9} {kind.GetProperty("serverErrors").GetInt32(),6} {kind.GetProperty("p50Milliseconds").GetDouble(),9:0.0} {kind.GetProperty("p99Milliseconds").GetDouble(),9:0.0}");
        }

        var cache = status.GetProperty("cache");
        text.Append(cache.GetProperty("hitRatio").ValueKind == JsonValueKind.Number
            ? string.Create(CultureInfo.InvariantCulture, $"memory cache: hit ratio {100 * cache.GetProperty("hitRatio").GetDouble():0.0}% ({cache.GetProperty("hits").GetInt64()} hits, {cache.GetProperty("misses").GetInt64()} misses)")
            : "memory cache: no lookups yet");
        if (status.TryGetProperty("cluster", out var cluster) && cluster.ValueKind == JsonValueKind.Object)
        {
            text.AppendLine();
            var before = text.Length;
            try
            {
                AppendCluster(text, cluster);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                text.Length = before;
                text.AppendLine("node reports: not in a shape this modmesh understands");
            }
        }

        await context.Out.WriteLineAsync(text.ToString()).ConfigureAwait(false);
        return inService == nodes.Count && nodes.Count > 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>The nodes' own reports: reachability and tier use, hit ratios, the fill queue, recent fills, upstreams.</summary>
    private static void AppendCluster(StringBuilder text, JsonElement cluster)
    {
        text.AppendLine("node reports:");
        foreach (var node in cluster.GetProperty("nodes").EnumerateArray())
        {
            var name = node.GetProperty("node").GetString();
            if (!node.GetProperty("reachable").GetBoolean())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{name,-16} UNREACHABLE: {Text(node, "problem")}");
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture,
                $"{name,-16} tier hits {Percent(node, "tierHitRatio"),6}  store hits {Percent(node, "storeHitRatio"),6}  memory {Bytes(node, "memoryBytes")}/{Bytes(node, "memoryLimitBytes")}  disk {Bytes(node, "diskBytes")}/{Bytes(node, "diskLimitBytes")}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"hit ratio: node-local tier {Percent(cluster.GetProperty("tier"), "ratio")}, store {Percent(cluster.GetProperty("store"), "ratio")} (else a fill)");
        text.AppendLine(cluster.GetProperty("queue") is { ValueKind: JsonValueKind.Object } queue
            ? string.Create(CultureInfo.InvariantCulture, $"fill queue: {queue.GetProperty("jobs").GetInt64()} job(s), oldest {(queue.GetProperty("oldestAgeSeconds").ValueKind == JsonValueKind.Number ? $"{queue.GetProperty("oldestAgeSeconds").GetDouble():0} s" : "-")}")
            : "fill queue: not measured");
        text.AppendLine("recent fills:");
        foreach (var fill in cluster.GetProperty("recentFills").EnumerateArray().Take(10))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {fill.GetProperty("at").GetDateTimeOffset().ToLocalTime():HH:mm:ss} {Text(fill, "module")}@{Text(fill, "version")} .{Text(fill, "file")} {Text(fill, "outcome")} {fill.GetProperty("milliseconds").GetDouble():0} ms by {Text(fill, "by")}{(fill.GetProperty("upstream").ValueKind == JsonValueKind.String ? " from " + Text(fill, "upstream") : "")} ({Text(fill, "node")})");
        }

        text.AppendLine("upstreams:");
        foreach (var upstream in cluster.GetProperty("upstreams").EnumerateArray())
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {Text(upstream, "upstream"),-28} {upstream.GetProperty("requests").GetInt64(),7} requests {upstream.GetProperty("errors").GetInt64(),5} errors  p50 {upstream.GetProperty("p50Milliseconds").GetDouble():0.0} ms  p99 {upstream.GetProperty("p99Milliseconds").GetDouble():0.0} ms{(upstream.GetProperty("lastFailureReason").ValueKind == JsonValueKind.String ? "  last failure: " + Text(upstream, "lastFailureReason") : "")}");
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "-" : "-";

    private static string Percent(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? string.Create(CultureInfo.InvariantCulture, $"{100 * value.GetDouble():0.0}%")
            : "-";

    private static string Bytes(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return "-";
        }

        double bytes = value.GetInt64();
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes:0.#} {units[unit]}");
    }
}
