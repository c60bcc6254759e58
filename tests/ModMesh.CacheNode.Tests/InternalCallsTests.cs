using System.Net;
using System.Net.Http.Headers;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// A cache node with <c>ModMesh:InternalKey</c> set serves only calls that carry it (the gateway adds it to every
/// request it forwards): a client that calls the node directly gets 403 and nothing is fetched for it; health probes
/// stay open; a Prometheus scrape presents the key as a Bearer token.
/// </summary>
public sealed class InternalCallsTests
{
    private const string Key = "k7Rw1iV8c2yP0mQn4sT6uXz9aB3dE5fG7hJ9kL1mN3pQ";
    private const string Module = "example.com/internal";

    [Fact]
    public async Task DirectCallWithoutTheKey_Is403_AndReachesNoUpstream()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.AddModule(Module, "v1.0.0");
        await using var node = await TestNode.StartAsync(upstream, new Dictionary<string, string?> { [InternalCalls.ConfigurationKey] = Key });

        using var direct = await node.Client.GetAsync(ScriptedUpstream.UrlPath(Module, "@v/v1.0.0.mod"));
        using var forged = new HttpRequestMessage(HttpMethod.Get, ScriptedUpstream.UrlPath(Module, "@v/v1.0.0.mod"));
        forged.Headers.Add(InternalCalls.HeaderName, Key[..^1] + "x");
        using var wrongKey = await node.Client.SendAsync(forged);
        using var metrics = await node.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
        Assert.Equal(0, upstream.TotalRequests);
    }

    [Fact]
    public async Task CallWithTheKey_IsServed_ProbesNeedNone_ScrapeTakesItAsBearer()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.AddModule(Module, "v1.0.0");
        await using var node = await TestNode.StartAsync(upstream, new Dictionary<string, string?> { [InternalCalls.ConfigurationKey] = Key });

        using var marked = new HttpRequestMessage(HttpMethod.Get, ScriptedUpstream.UrlPath(Module, "@v/v1.0.0.mod"));
        marked.Headers.Add(InternalCalls.HeaderName, Key);
        using var served = await node.Client.SendAsync(marked);
        using var ready = await node.Client.GetAsync("/health/ready");
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } };
        using var scraped = await node.Client.SendAsync(scrape);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
    }

    [Fact]
    public async Task KeyTooShort_TheNodeRefusesToStart()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();

        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var node = await TestNode.StartAsync(upstream, new Dictionary<string, string?> { [InternalCalls.ConfigurationKey] = "short" });
        });

        Assert.Contains(InternalCalls.ConfigurationKey, failure.ToString(), StringComparison.Ordinal);
    }
}
