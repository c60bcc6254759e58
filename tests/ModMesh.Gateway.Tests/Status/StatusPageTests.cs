using System.Net;
using System.Text.Json;
using ModMesh.Gateway.Tests.Infrastructure;

namespace ModMesh.Gateway.Tests.Status;

/// <summary>
/// The gateway's status page and its JSON, in a real in-process gateway with two stand-in nodes: both nodes in service
/// with their last probe, requests counted by kind with latency percentiles, a node whose readiness fails shown out
/// and back in once it recovers, no node address anywhere, and a self-contained HTML page (no external assets).
/// </summary>
public sealed class StatusPageTests : IAsyncLifetime
{
    private StandInNode _first = null!;
    private StandInNode _second = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _first = await StandInNode.StartAsync("first");
        _second = await StandInNode.StartAsync("second");
        _gateway = await TestGateway.StartAsync([_first.Url, _second.Url], TestGateway.FastHealth());
        _client = LoadLoop.NewClient(_gateway.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task Json_ShowsNodesAndRequestsByKind_ANodeGoesOutAndComesBack_NoAddressShown()
    {
        for (var i = 0; i < 5; i++)
        {
            using var info = await _client.GetAsync($"/example.com/status/m{i}/@v/v1.0.0.info");
            Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        }

        using (var list = await _client.GetAsync("/example.com/status/m0/@v/list"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        var healthy = await WaitForAsync(s => s.GetProperty("nodesInService").GetInt32() == 2 && Nodes(s).All(n => n.GetProperty("lastProbe").GetString() == "success"));
        var kinds = healthy.GetProperty("lastMinute").EnumerateArray().ToDictionary(k => k.GetProperty("kind").GetString()!, k => k);
        Assert.Equal(5, kinds["info"].GetProperty("requests").GetInt32());
        Assert.Equal(1, kinds["list"].GetProperty("requests").GetInt32());
        Assert.True(kinds["info"].GetProperty("p99Milliseconds").GetDouble() >= kinds["info"].GetProperty("p50Milliseconds").GetDouble());

        _first.ReadinessFailing = true;
        var oneOut = await WaitForAsync(s => s.GetProperty("nodesInService").GetInt32() == 1);
        Assert.Contains(Nodes(oneOut), n => !n.GetProperty("inService").GetBoolean() && n.GetProperty("lastProbe").GetString() == "failure");

        _first.ReadinessFailing = false;
        await WaitForAsync(s => s.GetProperty("nodesInService").GetInt32() == 2);

        var text = await _client.GetStringAsync("/status.json");
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.All(Nodes(JsonDocument.Parse(text).RootElement), n => Assert.Matches("^node-[0-9a-f]{8}$", n.GetProperty("node").GetString()));
    }

    [Fact]
    public async Task Json_ANodeWhoseReportHangs_IsShownUnreachable_ThePageIsNotStalled()
    {
        await WaitForAsync(s => s.GetProperty("nodesInService").GetInt32() == 2);

        // Both stand-ins answer probes; the first holds every other request (its /status.json too) forever.
        _first.Mode = StandInMode.Hang;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var status = await WaitForAsync(s => s.GetProperty("cluster").GetProperty("nodes").GetArrayLength() == 2
            && s.GetProperty("cluster").GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("problem").GetString() is { } p && p.StartsWith("no answer within", StringComparison.Ordinal)));
        var nodes = status.GetProperty("cluster").GetProperty("nodes").EnumerateArray().ToList();

        // Without the bound the first answer would never come: it came, showing the hung node unreachable.
        Assert.All(nodes, n => Assert.False(n.GetProperty("reachable").GetBoolean())); // a stand-in's answer is no node report either
        Assert.Contains(nodes, n => n.GetProperty("problem").GetString() == "unreachable");
        Assert.Equal(2, status.GetProperty("nodesInService").GetInt32());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Json_ManyViewers_AskEachNodeOncePerPeriod()
    {
        await WaitForAsync(s => s.GetProperty("nodesInService").GetInt32() == 2);
        var before = _first.Requests + _second.Requests;

        // Twenty viewers at once: at most one view is collected (none if the last one is still fresh), each node asked
        // at most once, or twice if a period ends meanwhile; without the shared view it would be 20 times each.
        var texts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _client.GetStringAsync("/status.json")));

        Assert.All(texts, t => Assert.Contains("\"cluster\"", t, StringComparison.Ordinal));
        Assert.InRange(_first.Requests + _second.Requests - before, 0, 4);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/status")]
    public async Task Page_IsOneSelfContainedHtmlFile(string path)
    {
        using var response = await _client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("status.json", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Equal(0, _first.Requests + _second.Requests);
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement status) => status.GetProperty("nodes").EnumerateArray();

    // Probes run every 250 ms here; ejection and re-admission take a few of them. 30 s leaves room for a loaded machine.
    private async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = JsonDocument.Parse(await _client.GetStringAsync("/status.json")).RootElement.Clone();
            if (condition(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, "the status never showed the expected state: " + status);
            await Task.Delay(100);
        }
    }
}
