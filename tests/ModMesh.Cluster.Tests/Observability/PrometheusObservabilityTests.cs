using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using ModMesh.TestSupport.Servers;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests.Observability;

public sealed class ObservabilityClusterFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/observability/metrics";
    public const string Version = "v1.0.0";

    /// <summary>ModMesh:InternalKey of every service, as deployed: /metrics answers only with it.</summary>
    public string InternalKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    protected override ClusterOptions Options => new()
    {
        Nodes = 2,
        Fetchers = 1,
        Environment = new Dictionary<string, string?> { ["ModMesh__InternalKey"] = InternalKey },
        GatewayEnvironment = new Dictionary<string, string?>
        {
            ["ModMesh__InternalKey"] = InternalKey,
            // A killed node is taken out by the passive policy (max_fails) on the first failed request, never by
            // the active probes; taken out for a second only, so the trial requests after it are retried elsewhere:
            // the ejection and retry metrics get data.
            ["Gateway__MaxFails"] = "1",
            ["Gateway__FailTimeout"] = "00:00:01",
            ["Gateway__HealthProbeInterval"] = "00:00:05",
            ["Gateway__HealthProbeFailuresToEject"] = "100",
        },
    };

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front) => upstream.AddModule(Module, Version);
}

/// <summary>
/// deploy/observability against reality: a real Prometheus scrapes a running cluster (gateway, two nodes, a fetcher,
/// with the internal key) after a little traffic, and every metric that the Grafana dashboard and the alert rules
/// use must exist there and have data; every dashboard query and every rule must evaluate without error; the rules
/// file passes <c>promtool check rules</c>.
/// </summary>
public sealed class PrometheusObservabilityTests(ObservabilityClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ObservabilityClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static string Observability => Path.Combine(ServiceProcess.RepositoryRoot, "deploy", "observability");

    [Fact]
    public async Task AlertRules_PassPromtoolCheck()
    {
        var (code, text) = await RunAsync(PrometheusServer.Executable("promtool"), "check", "rules", Path.Combine(Observability, "alerts.yaml"));

        Assert.True(code == 0, text);
        Assert.Contains("SUCCESS", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryMetricOfTheDashboardAndTheAlerts_ExistsInPrometheusWithData()
    {
        var cluster = fixture.Cluster;
        using var client = Http.NewClient(TimeSpan.FromSeconds(90));

        // 1. Traffic through the gateway: cold misses (filled by the fetcher through the queue), hits, a list, a 404.
        foreach (var file in new[] { $"@v/{ObservabilityClusterFixture.Version}.info", $"@v/{ObservabilityClusterFixture.Version}.mod", $"@v/{ObservabilityClusterFixture.Version}.zip" })
        {
            foreach (var attempt in new[] { "cold", "warm" })
            {
                var answer = await Http.GetAsync(client, cluster.Gateway.Url + ScriptedUpstream.UrlPath(ObservabilityClusterFixture.Module, file));
                Assert.True(answer.Ok, $"{attempt}: {answer}{Environment.NewLine}{cluster.Diagnostics()}");
            }
        }

        var list = await Http.GetAsync(client, cluster.Gateway.Url + ScriptedUpstream.UrlPath(ObservabilityClusterFixture.Module, "@v/list"));
        Assert.True(list.Ok, list.ToString());
        var absent = await Http.GetAsync(client, cluster.Gateway.Url + ScriptedUpstream.UrlPath("example.com/observability/absent", "@v/v1.0.0.info"));
        Assert.True(absent.Status == 404, $"{absent}{Environment.NewLine}{cluster.Diagnostics()}");

        // 2. /metrics wants the internal key (as the deployed scrape config presents it).
        var targets = new Dictionary<string, ServiceProcess[]>
        {
            ["modmesh-gateway"] = [cluster.Gateway],
            ["modmesh-cachenode"] = cluster.Nodes,
            ["modmesh-fetcher"] = [.. cluster.Fetchers],
        };
        foreach (var service in targets.Values.SelectMany(s => s))
        {
            using var anonymous = await client.GetAsync(service.Url + "/metrics");
            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
            _ = await ScrapeAsync(client, service);
        }

        // 3. A real Prometheus: scrapes every second with the key from a file, evaluates the shipped rules every second.
        await using var prometheus = await PrometheusServer.StartAsync(
            Configuration(targets, Path.Combine(Observability, "alerts.yaml")),
            new Dictionary<string, string> { ["internal-key"] = fixture.InternalKey });
        output.WriteLine($"prometheus at {prometheus.Url}");

        await WaitForAsync("every target is scraped successfully", prometheus, async () =>
        {
            var active = (await prometheus.ApiAsync("targets?state=active")).GetProperty("activeTargets").EnumerateArray().ToArray();
            return active.Length == targets.Values.Sum(s => s.Length) && active.All(t => t.GetProperty("health").GetString() == "up")
                ? null
                : string.Join("; ", active.Select(t => $"{t.GetProperty("labels").GetProperty("job")} {t.GetProperty("scrapeUrl")}: {t.GetProperty("health")} {t.GetProperty("lastError")}"));
        });

        // 4. A node dies: requests that would go to it are retried on the other one and the gateway takes it out.
        //    The one killed is the one that enqueued fewer fills (either way, its series keep their samples).
        var enqueued = new List<double>();
        foreach (var node in cluster.Nodes)
        {
            enqueued.Add((await ScrapeAsync(client, node)).Sum("modmesh_fill_jobs_enqueued_total"));
        }

        var victim = cluster.Nodes[enqueued[0] >= enqueued[1] ? 1 : 0];
        output.WriteLine($"killing {victim} (fill jobs enqueued by node: {string.Join(", ", enqueued)})");
        victim.Kill();
        var clock = Stopwatch.StartNew();
        var requests = 0;
        var trace = new List<string>();
        var ejected = await Http.WaitUntilAsync(
            async () =>
            {
                var path = ScriptedUpstream.UrlPath($"example.com/observability/absent{requests++}", "@v/list");
                var answer = await Http.GetAsync(client, cluster.Gateway.Url + path);
                Assert.True(answer.Status is 404 or 410, $"{answer}{Environment.NewLine}{cluster.Diagnostics()}");
                var gateway = await ScrapeAsync(client, cluster.Gateway);
                var (ejections, retries) = (gateway.Sum("modmesh_gateway_passive_ejections_total"), gateway.Sum("modmesh_gateway_retries_total"));
                trace.Add($"{clock.Elapsed.TotalSeconds:F1}s #{requests} {answer.Status} {answer.Elapsed.TotalMilliseconds:F0}ms ejections={ejections} retries={retries}");
                return ejections > 0 && retries > 0;
            },
            Deadline);
        Assert.True(ejected, $"no passive ejection and retry after {requests} requests:{Environment.NewLine}{string.Join(Environment.NewLine, trace.TakeLast(10))}{Environment.NewLine}{cluster.Diagnostics()}");
        output.WriteLine($"ejected after {requests} requests, {clock.Elapsed.TotalSeconds:F1} s");

        // 5. What the dashboard and the rules read: expressions from the dashboard JSON and from Prometheus' own
        //    view of the loaded rules; every rule evaluated, none in error.
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Observability, "dashboard.json")))!;
        var panels = PromQl.DashboardExpressions(dashboard);
        Assert.NotEmpty(panels);
        var rules = Array.Empty<(string Rule, string Expression)>();
        await WaitForAsync("every alert rule is evaluated without error", prometheus, async () =>
        {
            var loaded = (await prometheus.ApiAsync("rules")).GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToArray();
            rules = [.. loaded.Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("query").GetString()!))];
            var unhealthy = loaded.Where(r => r.GetProperty("health").GetString() != "ok")
                .Select(r => $"{r.GetProperty("name")}: {r.GetProperty("health")} {(r.TryGetProperty("lastError", out var e) ? e.ToString() : "")}").ToArray();
            return loaded.Length > 0 && unhealthy.Length == 0 ? null : $"{loaded.Length} rules; {string.Join("; ", unhealthy)}";
        });

        foreach (var (panel, expression) in panels)
        {
            // Throws with Prometheus' error for an expression it cannot parse or evaluate.
            _ = await prometheus.QueryAsync(PromQl.ForPrometheus(expression));
            output.WriteLine($"panel '{panel}': {expression}");
        }

        var uses = panels.Select(p => ($"panel '{p.Panel}'", p.Expression))
            .Concat(rules.Select(r => ($"alert {r.Rule}", r.Expression)))
            .SelectMany(u => PromQl.MetricNames(u.Expression).Select(name => (Name: name, Where: u.Item1)))
            .GroupBy(u => u.Name, u => u.Where, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Distinct().ToArray(), StringComparer.Ordinal);
        Assert.True(uses.Count >= 10, $"only {uses.Count} metrics found in the dashboard and the rules: {string.Join(", ", uses.Keys)}");

        // 6. Every one of them has samples in Prometheus.
        string[] missing = [];
        var found = await Http.WaitUntilAsync(
            async () =>
            {
                var stillMissing = new List<string>();
                foreach (var name in uses.Keys)
                {
                    // Samples of the last 10 minutes: the killed node's series are stale now, but they had data.
                    if ((await prometheus.QueryAsync($"count(last_over_time({name}[10m]))")).Length == 0)
                    {
                        stillMissing.Add(name);
                    }
                }

                missing = [.. stillMissing];
                return missing.Length == 0;
            },
            Deadline);
        foreach (var (name, where) in uses.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{(missing.Contains(name) ? "MISSING" : "ok     ")} {name} ({string.Join(", ", where)})");
        }

        Assert.True(
            found,
            $"metrics without data in Prometheus: {string.Join(", ", missing.Select(m => $"{m} (used by {string.Join(", ", uses[m])})"))}{Environment.NewLine}"
            + $"exported names: {string.Join(", ", await ExportedNamesAsync(prometheus))}{Environment.NewLine}{prometheus.RecentOutput}");
    }

    private static string Configuration(IReadOnlyDictionary<string, ServiceProcess[]> targets, string rules)
    {
        var text = new StringBuilder();
        text.AppendLine("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s");
        text.AppendLine(CultureInfo.InvariantCulture, $"rule_files:\n  - \"{rules}\"");
        text.AppendLine("scrape_configs:");
        foreach (var (job, services) in targets)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {job}");
            text.AppendLine("    metrics_path: /metrics");
            text.AppendLine("    authorization: { type: Bearer, credentials_file: \"{dir}/internal-key\" }");
            text.AppendLine(CultureInfo.InvariantCulture, $"    static_configs: [ {{ targets: [{string.Join(", ", services.Select(s => $"\"{s.BaseAddress.Authority}\""))}] }} ]");
        }

        return text.ToString();
    }

    private async Task<PrometheusScrape> ScrapeAsync(HttpClient client, ServiceProcess service)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, service.Url + "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.InternalKey);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{service}/metrics answered {(int)response.StatusCode}: {text}");
        return new PrometheusScrape(text);
    }

    private static async Task<string[]> ExportedNamesAsync(PrometheusServer prometheus) =>
        [.. (await prometheus.ApiAsync("label/__name__/values")).EnumerateArray().Select(v => v.GetString()!)];

    private static async Task WaitForAsync(string what, PrometheusServer prometheus, Func<Task<string?>> problem)
    {
        string? last = "not checked";
        var done = await Http.WaitUntilAsync(async () => (last = await problem()) is null, Deadline);
        Assert.True(done, $"not within {Deadline.TotalSeconds} s: {what}: {last}{Environment.NewLine}{prometheus.RecentOutput}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string executable, params string[] arguments)
    {
        var psi = new ProcessStartInfo(executable, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{executable} did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
