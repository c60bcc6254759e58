using System.Net;
using System.Text.Json;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// The node's <c>/status.json</c> (read by the gateway's status page): only with the internal key when one is set;
/// recent fills with outcome, duration and the upstream host that served them; per upstream its answers, errors and
/// latency, named by host and port only (never a path or credentials); store hits against fills; the fill queue.
/// </summary>
public sealed class StatusApiTests
{
    private const string Key = "s3Vq8wT1yU4iO7pA0sD2fG5hJ8kL1zX4cV7bN0mQ2wE5";
    private const string Module = "example.com/statusapi/mod";

    [Fact]
    public async Task Status_NeedsTheKey_ShowsFillsUpstreamsStoreHitsAndQueue_NoPathOrCredentials()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.AddModule(Module, "v1.0.0");
        var closedPort = ModMesh.TestSupport.Processes.ServiceProcess.FreeLoopbackPort();
        var settings = new Dictionary<string, string?>
        {
            [InternalCalls.ConfigurationKey] = Key,
            // A first upstream that refuses connections ('|': fall through on any error), under a path that must not show.
            ["ModMesh:Upstream"] = $"http://127.0.0.1:{closedPort}/secret-path|{upstream.Url}",
        };
        await using var node = await TestNode.StartAsync(upstream, settings);

        using var anonymous = await node.Client.GetAsync("/status.json");
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);

        foreach (var file in new[] { "@v/v1.0.0.info", "@v/v1.0.0.mod", "@v/v1.0.0.zip", "@v/v1.0.0.mod" })
        {
            using var answer = await SendAsync(node, ScriptedUpstream.UrlPath(Module, file));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        var (status, text) = await WaitForAsync(node, s => s.GetProperty("queue").ValueKind == JsonValueKind.Object);

        var fills = status.GetProperty("fills").EnumerateArray().ToList();
        Assert.Equal(["zip", "mod", "info"], fills.Select(f => f.GetProperty("file").GetString()));
        var host = new Uri(upstream.Url).Authority;
        Assert.All(fills, f =>
        {
            Assert.Equal(Module, f.GetProperty("module").GetString());
            Assert.Equal("v1.0.0", f.GetProperty("version").GetString());
            Assert.Equal("Ok", f.GetProperty("outcome").GetString());
            Assert.Equal("this node", f.GetProperty("by").GetString());
            Assert.Equal(host, f.GetProperty("upstream").GetString());
            Assert.True(f.GetProperty("milliseconds").GetDouble() > 0);
        });

        var upstreams = status.GetProperty("upstreams").EnumerateArray().ToDictionary(u => u.GetProperty("upstream").GetString()!, u => u);
        Assert.Equal(3, upstreams[host].GetProperty("requests").GetInt64());
        Assert.Equal(0, upstreams[host].GetProperty("errors").GetInt64());
        Assert.Equal(JsonValueKind.String, upstreams[host].GetProperty("lastSuccess").ValueKind);
        var refused = upstreams[$"127.0.0.1:{closedPort}"];
        Assert.Equal(3, refused.GetProperty("errors").GetInt64());
        Assert.Equal("could not connect", refused.GetProperty("lastFailureReason").GetString());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("lastSuccess").ValueKind);
        Assert.DoesNotContain("secret-path", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", text, StringComparison.Ordinal);

        var store = status.GetProperty("store");
        Assert.Equal(1, store.GetProperty("hits").GetInt64());
        Assert.Equal(3, store.GetProperty("misses").GetInt64());
        Assert.Equal(0.25, store.GetProperty("hitRatio").GetDouble(), 3);

        // Embedded mode: the in-process queue, empty (fills run here).
        Assert.Equal(0, status.GetProperty("queue").GetProperty("jobs").GetInt64());
    }

    private static async Task<HttpResponseMessage> SendAsync(TestNode node, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(InternalCalls.HeaderName, Key);
        return await node.Client.SendAsync(request);
    }

    // The queue is measured by a background sampler right after start; 30 s leaves room for a loaded machine.
    private static async Task<(JsonElement Status, string Text)> WaitForAsync(TestNode node, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await SendAsync(node, "/status.json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var status = JsonDocument.Parse(text).RootElement.Clone();
            if (condition(status))
            {
                return (status, text);
            }

            Assert.True(DateTime.UtcNow < deadline, "the node's status never showed the expected state: " + text);
            await Task.Delay(100);
        }
    }
}
