using System.Diagnostics;
using System.Net;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// Rule 5 of the design for list and @latest: fresh answers from cache, stale-while-revalidate with one background
/// refresh, stale-if-error, and a brief negative cache. The node ages answers by the store's write times (wall
/// clock), so these tests use short real time-to-live values rather than a fake clock.
/// </summary>
public sealed class QueryCacheTests : IAsyncLifetime
{
    private static readonly TimeSpan ShortTimeToLive = TimeSpan.FromMilliseconds(400);

    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    public static TheoryData<string> Queries => new() { "@v/list", "@latest" };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_WithinTimeToLive_ServedFromCacheWithoutAskingUpstream(string query)
    {
        const string path = "example.com/query/fresh";
        _upstream.AddModule(path, "v1.0.0");
        await using var node = await TestNode.StartAsync(_upstream);

        var first = await GetStringAsync(node, $"{path}/{query}");
        _upstream.AddModule(path, "v1.1.0");
        var second = await GetStringAsync(node, $"{path}/{query}");

        Assert.Equal(first, second);
        Assert.Equal(1, _upstream.RequestCount(path, query));
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_AfterTimeToLive_ServesStaleAtOnceAndOneBackgroundRefreshUpdatesIt(string query)
    {
        const string path = "example.com/query/stale";
        _upstream.AddModule(path, "v1.0.0");
        // Long enough that the refreshed answer is still fresh when the poll below reads it on a loaded machine (a
        // stale read would start a second refresh); short enough to age past quickly.
        var timeToLive = TimeSpan.FromSeconds(1.5);
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Cache:QueryTimeToLive"] = timeToLive.ToString() });
        var url = $"{path}/{query}";
        var old = await GetStringAsync(node, url);
        Assert.Contains("v1.0.0", old, StringComparison.Ordinal);

        _upstream.AddModule(path, "v1.1.0");
        var refreshDelay = TimeSpan.FromMilliseconds(800);
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, query), UpstreamFault.Delayed(refreshDelay));
        await Task.Delay(timeToLive + TimeSpan.FromMilliseconds(100)); // let the cached answer age past its TTL

        // Several clients during the refresh: all get the stale answer at once, and only one refresh goes upstream.
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => GetStringAsync(node, url)));
        var elapsed = clock.Elapsed;
        Assert.All(answers, a => Assert.Equal(old, a));
        Assert.True(elapsed < refreshDelay, $"stale answers took {elapsed.TotalMilliseconds:0} ms, the refresh takes {refreshDelay.TotalMilliseconds:0} ms");

        var refreshed = await Eventually.TrueAsync(async () => (await GetStringAsync(node, url)).Contains("v1.1.0", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.True(refreshed, "the background refresh updated the cached answer");
        Assert.Equal(2, _upstream.RequestCount(path, query));
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_UpstreamFailsAfterTimeToLive_StaleAnswerStillServed(string query)
    {
        const string path = "example.com/query/stale-if-error";
        _upstream.AddModule(path, "v1.0.0");
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Cache:QueryTimeToLive"] = ShortTimeToLive.ToString() });
        var url = $"{path}/{query}";
        var old = await GetStringAsync(node, url);

        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, query), UpstreamFault.Status(500));
        await Task.Delay(ShortTimeToLive + TimeSpan.FromMilliseconds(100));

        Assert.Equal(old, await GetStringAsync(node, url));
        Assert.True(await Eventually.TrueAsync(() => _upstream.RequestCount(path, query) >= 2, TimeSpan.FromSeconds(10)), "a refresh was tried");

        // After the failed refresh the old answer is still there.
        await Task.Delay(50);
        Assert.Equal(old, await GetStringAsync(node, url));
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_UpstreamNotFound_RememberedForNotFoundTimeToLive(string query)
    {
        const string path = "example.com/query/missing";
        var notFoundTimeToLive = TimeSpan.FromMilliseconds(800);
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Cache:NotFoundTimeToLive"] = notFoundTimeToLive.ToString() });
        var url = $"{path}/{query}";
        using (var first = await node.Client.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        }

        // The negative entry was written before the first answer was sent: it expires at most one TTL from now.
        var clock = Stopwatch.StartNew();

        using (var second = await node.Client.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        }

        Assert.True(clock.Elapsed < notFoundTimeToLive, "both requests inside the negative TTL");
        Assert.Equal(1, _upstream.RequestCount(path, query));

        // Briefly: once the negative entry expires, the upstream is asked again (and now has the module).
        _upstream.AddModule(path, "v1.0.0");
        await Task.Delay(notFoundTimeToLive - clock.Elapsed + TimeSpan.FromMilliseconds(100));
        using var third = await node.Client.GetAsync(url);
        Assert.True(third.StatusCode == HttpStatusCode.OK, $"{(int)third.StatusCode} {await third.Content.ReadAsStringAsync()} after {clock.Elapsed.TotalMilliseconds:0} ms; upstream asked {_upstream.RequestCount(path, query)} times");
        Assert.Equal(2, _upstream.RequestCount(path, query));
    }

    private static async Task<string> GetStringAsync(TestNode node, string url)
    {
        using var response = await node.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
