using System.Net;
using System.Net.Http.Headers;
using ModMesh.Gateway.Caching;
using ModMesh.Gateway.Tests.Infrastructure;

namespace ModMesh.Gateway.Tests.Caching;

/// <summary>
/// The gateway's memory cache of immutable answers, in a real in-process gateway in front of one stand-in node: what is
/// kept (only complete 200 answers the node marked immutable, within the size limits), what a hit sends (the same body
/// and headers, HEAD, 304), and what always reaches the node.
/// </summary>
public sealed class ImmutableAnswerCacheTests : IAsyncLifetime
{
    private StandInNode _node = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _node = await StandInNode.StartAsync("n0");
        _node.Mode = StandInMode.Immutable;
        _gateway = await TestGateway.StartAsync([_node.Url], new Dictionary<string, string?>
        {
            ["Gateway:HealthProbeInterval"] = "00:01:00",
            ["Gateway:Cache:MaxEntryBytes"] = "200",
            ["Gateway:Cache:MaxBytes"] = "100000",
        });
        _client = LoadLoop.NewClient(_gateway.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Theory]
    [InlineData("/example.com/m/@v/v1.0.0.info")]
    [InlineData("/example.com/m/@v/v1.0.0.mod")]
    [InlineData("/example.com/m/@v/v1.0.0.zip")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/001")]
    public async Task ImmutableAnswer_SecondRequest_ServedByTheGatewayWithTheSameBodyAndHeaders(string path)
    {
        using var first = await _client.GetAsync(path);
        var firstBody = await first.Content.ReadAsByteArrayAsync();
        using var second = await _client.GetAsync(path);
        var secondBody = await second.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Contains("immutable", string.Join(",", second.Headers.GetValues("Cache-Control")));
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal(secondBody.Length, second.Content.Headers.ContentLength);
        Assert.Equal(1, _node.Requests);
    }

    [Fact]
    public async Task Hit_StillServedWhileTheNodeIsDown()
    {
        const string path = "/example.com/m/@v/v1.0.0.zip";
        var body = await _client.GetByteArrayAsync(path);
        await _node.DisposeAsync(); // connections are refused from now on
        _node = await StandInNode.StartAsync("n0-replacement"); // for DisposeAsync; the gateway does not know it

        using var cached = await _client.GetAsync(path);
        using var uncached = await _client.GetAsync("/example.com/m/@v/v1.0.1.zip");

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(body, await cached.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.BadGateway, uncached.StatusCode); // what is not cached needs a node
    }

    [Fact]
    public async Task Hit_HeadAndConditionalGet_AnsweredWithoutTheNode()
    {
        const string path = "/example.com/m/@v/v1.0.0.mod";
        using var first = await _client.GetAsync(path);
        var length = (await first.Content.ReadAsByteArrayAsync()).Length;

        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        var conditional = new HttpRequestMessage(HttpMethod.Get, path);
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var notModified = await _client.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(first.Headers.ETag, notModified.Headers.ETag);
        Assert.Equal(1, _node.Requests);
    }

    [Theory]
    [InlineData("/example.com/m/@v/list")]
    [InlineData("/example.com/m/@latest")]
    [InlineData("/example.com/m/@v/v1.0.0.info?x=1")]
    public async Task QueriesAndQueryStrings_AlwaysReachTheNode(string path)
    {
        for (var i = 0; i < 3; i++)
        {
            using var response = await _client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, _node.Requests);
    }

    [Fact]
    public async Task AnswersNotMarkedImmutable_AreNeverKept()
    {
        _node.Mode = StandInMode.Normal; // no Cache-Control: immutable
        for (var i = 0; i < 3; i++)
        {
            using var response = await _client.GetAsync("/example.com/m/@v/v1.0.0.info");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        _node.Mode = StandInMode.NotFound;
        for (var i = 0; i < 2; i++)
        {
            using var response = await _client.GetAsync("/example.com/gone/@v/v1.0.0.info");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(5, _node.Requests);
    }

    [Fact]
    public async Task RangeRequests_PassThrough()
    {
        const string path = "/example.com/m/@v/v1.0.0.zip";
        using (await _client.GetAsync(path))
        {
        }

        var ranged = new HttpRequestMessage(HttpMethod.Get, path);
        ranged.Headers.Range = new RangeHeaderValue(0, 3);
        using var response = await _client.SendAsync(ranged);

        Assert.Equal(2, _node.Requests);
    }

    [Fact]
    public async Task AnswerOverTheEntryLimit_IsNotKept()
    {
        var path = "/example.com/" + new string('a', 200) + "/@v/v1.0.0.mod"; // the stand-in's body names the path: over 200 bytes
        for (var i = 0; i < 2; i++)
        {
            using var response = await _client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, _node.Requests);
    }

    [Fact]
    public async Task TruncatedAnswer_IsNotKept_TheNextRequestGoesToTheNodeAgain()
    {
        _node.Mode = StandInMode.TruncatedImmutable;
        const string path = "/example.com/cut/@v/v1.0.0.zip";
        try
        {
            // The client sees the cut (or, if the node dropped before its headers left, a 502): never a whole answer.
            using var response = await _client.GetAsync(path);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        _node.Mode = StandInMode.Immutable;
        using var whole = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.StartsWith("node:n0 GET ", await whole.Content.ReadAsStringAsync());
        Assert.Equal(2, _node.Requests);
    }

    [Fact]
    public void Store_KeepsWithinItsBudget_EvictingTheLeastRecentlyUsed()
    {
        const long each = 1000 + (2 * 12) + 256; // body + the key's chars + the fixed allowance (ImmutableAnswer.Cost)
        var store = new ImmutableAnswerStore(maxBytes: 3 * each);
        ImmutableAnswer Answer() => new(new byte[1000], "application/zip", "\"e\"", default, StandInNode.ImmutableCacheControl);
        store.Add("/a/@v/v1.zip", Answer());
        store.Add("/b/@v/v1.zip", Answer());
        store.Add("/c/@v/v1.zip", Answer());
        Assert.True(store.TryGet("/a/@v/v1.zip", out _)); // a is now the most recently used

        store.Add("/d/@v/v1.zip", Answer());

        Assert.True(store.TryGet("/a/@v/v1.zip", out _));
        Assert.False(store.TryGet("/b/@v/v1.zip", out _));
        Assert.True(store.TryGet("/c/@v/v1.zip", out _));
        Assert.True(store.TryGet("/d/@v/v1.zip", out _));
        Assert.Equal(3 * each, store.Bytes);
    }
}
