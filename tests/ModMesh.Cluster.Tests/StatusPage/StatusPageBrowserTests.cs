using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests.StatusPage;

public sealed class StatusPageClusterFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/statuspage/shown";
    public const string Version = "v1.2.3";

    /// <summary>The gateway's active probes (every second, 1 s timeout, out after 2 failures, in after 2 successes).</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    public const int FailuresToEject = 2;
    public const int SuccessesToReadmit = 2;

    /// <summary>ModMesh:InternalKey of every service, as deployed: the gateway must present it to read a node's status.</summary>
    public string InternalKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    protected override ClusterOptions Options => new()
    {
        Nodes = 3,
        Fetchers = 1,
        Environment = new Dictionary<string, string?> { ["ModMesh__InternalKey"] = InternalKey },
        GatewayEnvironment = new Dictionary<string, string?>
        {
            ["ModMesh__InternalKey"] = InternalKey,
            ["Gateway__HealthProbeInterval"] = ProbeInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway__HealthProbeTimeout"] = ProbeTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway__HealthProbeFailuresToEject"] = FailuresToEject.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway__HealthProbeSuccessesToReadmit"] = SuccessesToReadmit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front) => upstream.AddModule(Module, Version);
}

/// <summary>
/// The gateway's status page in a real headless browser (Debian's chromium driven by Playwright) against a running
/// cluster of real processes: it shows every node in service, then the requests and the fill a GOPROXY client caused,
/// the upstream the nodes asked and the node reports; a killed node shows as out (and its report gone) within the
/// health probes' timing, and in again once restarted. Screenshots go to the test results folder.
/// </summary>
public sealed class StatusPageBrowserTests(StatusPageClusterFixture fixture, ITestOutputHelper output) : IClassFixture<StatusPageClusterFixture>
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>
    /// How long the page may take to show a change of health: the probes need FailuresToEject (or SuccessesToReadmit)
    /// rounds of at most interval + timeout each, the page polls every 2 s; ten times that covers a loaded 2-core machine.
    /// </summary>
    private static readonly TimeSpan HealthDeadline =
        10 * (Math.Max(StatusPageClusterFixture.FailuresToEject, StatusPageClusterFixture.SuccessesToReadmit) * (StatusPageClusterFixture.ProbeInterval + StatusPageClusterFixture.ProbeTimeout) + TimeSpan.FromSeconds(2));

    /// <summary>Everything else the page shows comes at its next poll (2 s) after the node cache (1.5 s) runs out.</summary>
    private static readonly TimeSpan ShowDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Page_ShowsNodesRequestsAndFills_NodeKilledShowsOut_RestartedShowsIn()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (apt-get install chromium; scripts/test.sh does)");
        var cluster = fixture.Cluster;
        var results = ResultsFolder();
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s; health deadline {HealthDeadline.TotalSeconds:F0} s; screenshots in {results}");

        using var playwright = await Playwright.CreateAsync();
        var profile = TempDirectory.CreateUnique("chromium-profile");
        try
        {
            await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                ViewportSize = new ViewportSize { Width = 1400, Height = 1100 },
                Timeout = 60_000,
            });
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            var external = new List<string>();
            page.Request += (_, request) =>
            {
                if (!request.Url.StartsWith(cluster.Gateway.Url, StringComparison.Ordinal))
                {
                    external.Add(request.Url);
                }
            };

            await page.GotoAsync(cluster.Gateway.Url + "/");

            // 1. Every node in service, each with a report of its own (the gateway read it with the internal key).
            var labels = Enumerable.Range(0, cluster.Nodes.Length).Select(i => Label(cluster, i)).ToArray();
            await WaitForAsync(page, "all nodes in service", ShowDeadline, async () =>
                await Text(page, "#summary") is var summary && summary.StartsWith($"{cluster.Nodes.Length} of {cluster.Nodes.Length} cache nodes in service", StringComparison.Ordinal)
                && await AllAsync(labels, async l => await Row(page, "nodes", l) is { } row && row.Contains("in service", StringComparison.Ordinal) && row.Contains("\tok\t", StringComparison.Ordinal)));

            // 2. A GOPROXY client's requests: a list (the node asks the upstream itself) and the three files of a
            //    version (cold: filled by the fetcher through the queue).
            using var client = Http.NewClient(TimeSpan.FromSeconds(60));
            foreach (var file in new[] { "@v/list", $"@v/{StatusPageClusterFixture.Version}.info", $"@v/{StatusPageClusterFixture.Version}.mod", $"@v/{StatusPageClusterFixture.Version}.zip" })
            {
                var answer = await Http.GetAsync(client, cluster.Gateway.Url + ScriptedUpstream.UrlPath(StatusPageClusterFixture.Module, file));
                Assert.True(answer.Ok, $"{answer}{Environment.NewLine}{cluster.Diagnostics()}");
            }

            await WaitForAsync(page, "request counts, the fill, the upstream and the queue", ShowDeadline, async () =>
                await Row(page, "kinds", "zip") is { } zip && zip.Split('\t')[1] == "1"
                && await Row(page, "kinds", "list") is not null
                && await Row(page, "fills", StatusPageClusterFixture.Module + "\t" + StatusPageClusterFixture.Version + "\tzip\tOk") is { } fill && fill.Contains("fetchers", StringComparison.Ordinal)
                && await Row(page, "upstreams", "127.0.0.1") is { } upstream && upstream.Contains("\tok\t", StringComparison.Ordinal)
                && (await Text(page, "#queue")).Contains("job(s) waiting or running", StringComparison.Ordinal));
            var shot = Path.Combine(results, "status-page.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            output.WriteLine($"screenshot: {shot}");
            output.WriteLine(await Text(page, "body"));

            // 3. A node dies: shown out (and its report unreachable or gone) within the probes' timing.
            var victim = 1;
            cluster.Nodes[victim].Kill();
            var clock = Stopwatch.StartNew();
            await WaitForAsync(page, $"{labels[victim]} out", HealthDeadline, async () =>
                await Text(page, "#summary") is var summary && summary.StartsWith($"{cluster.Nodes.Length - 1} of {cluster.Nodes.Length} cache nodes in service", StringComparison.Ordinal)
                && await Row(page, "nodes", labels[victim]) is { } row && row.Contains("OUT", StringComparison.Ordinal)
                && await page.Locator($"#nodes tr[data-node='{labels[victim]}'][data-state='out']").CountAsync() == 1);
            output.WriteLine($"killed node shown out after {clock.Elapsed.TotalSeconds:F1} s");
            var downShot = Path.Combine(results, "status-page-node-down.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = downShot, FullPage = true });
            output.WriteLine($"screenshot: {downShot}");

            // 4. It comes back on its port: shown in service again, with its report.
            clock.Restart();
            await cluster.RestartNodeAsync(victim);
            output.WriteLine($"node restarted in {clock.Elapsed.TotalSeconds:F1} s");
            await WaitForAsync(page, $"{labels[victim]} in again", HealthDeadline, async () =>
                await Text(page, "#summary") is var summary && summary.StartsWith($"{cluster.Nodes.Length} of {cluster.Nodes.Length} cache nodes in service", StringComparison.Ordinal)
                && await Row(page, "nodes", labels[victim]) is { } row && row.Contains("in service", StringComparison.Ordinal) && row.Contains("\tok\t", StringComparison.Ordinal));
            output.WriteLine($"restarted node shown in service {clock.Elapsed.TotalSeconds:F1} s after the restart began");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(results, "status-page-node-back.png"), FullPage = true });

            Assert.True(external.Count == 0, $"the page asked for something outside the gateway: {string.Join(", ", external)}");
            Assert.DoesNotContain("127.0.0.1:" + cluster.Nodes[0].BaseAddress.Port, await page.ContentAsync(), StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(profile);
        }
    }

    /// <summary>
    /// The gateway's label of node <paramref name="index"/>: "node-" and 8 hex digits of the SHA-256 of its destination
    /// id, which for a static node is "node{i}" with the resolved "[host:port]" that YARP's service-discovery resolver adds.
    /// </summary>
    private static string Label(ClusterTopology cluster, int index)
    {
        var address = cluster.Nodes[index].BaseAddress;
        return "node-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"node{index}[{address.Host}:{address.Port}]")))[..8];
    }

    /// <summary>
    /// The screenshots' folder: $MODMESH_TEST_RESULTS (scripts/test.sh sets it to its --results-directory), else
    /// TestResults beside the test assembly. Always the same path for the same run.
    /// </summary>
    private static string ResultsFolder()
    {
        var folder = Environment.GetEnvironmentVariable("MODMESH_TEST_RESULTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static async Task<string> Text(IPage page, string selector) => await page.Locator(selector).InnerTextAsync();

    /// <summary>The first row of table <paramref name="table"/> whose cells, joined by tabs, contain <paramref name="text"/>.</summary>
    private static async Task<string?> Row(IPage page, string table, string text)
    {
        var rows = await page.Locator($"#{table} tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => Array.from(r.cells).map(c => c.textContent).join('\\t'))");
        return rows.FirstOrDefault(r => r.Contains(text, StringComparison.Ordinal));
    }

    private static async Task<bool> AllAsync(IEnumerable<string> items, Func<string, Task<bool>> condition)
    {
        foreach (var item in items)
        {
            if (!await condition(item))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Polls what the page shows until <paramref name="condition"/> holds; fails with the page's text and the cluster's output.</summary>
    private async Task WaitForAsync(IPage page, string what, TimeSpan deadline, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                output.WriteLine($"page shows {what} after {clock.Elapsed.TotalSeconds:F1} s");
                return;
            }

            if (clock.Elapsed > deadline)
            {
                var shot = Path.Combine(ResultsFolder(), "status-page-failure.png");
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
                Assert.Fail($"the page did not show {what} within {deadline.TotalSeconds:F0} s (screenshot {shot}). It shows:{Environment.NewLine}{await Text(page, "body")}{Environment.NewLine}{fixture.Cluster.Diagnostics()}");
            }

            await Task.Delay(250);
        }
    }
}
