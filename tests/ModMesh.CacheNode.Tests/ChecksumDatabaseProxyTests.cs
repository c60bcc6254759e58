using System.Net;
using System.Text;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>The "/sumdb/..." routes: proxied through the upstream chain, immutable answers kept, private lookups never sent.</summary>
public sealed class ChecksumDatabaseProxyTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["ModMesh:Private"] = "corp.example.com",
            ["ModMesh:NoSumdb"] = "nosum.example.com",
        });
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Supported_UpstreamSupportsIt_Returns200()
    {
        _upstream.AddFile("/sumdb/sum.golang.org/supported", []);

        using var response = await _node.Client.GetAsync("sumdb/sum.golang.org/supported");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Supported_UpstreamDoesNot_Returns404SoGoFallsBack()
    {
        using var response = await _node.Client.GetAsync("sumdb/sum.golang.org/supported");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Lookup_Twice_AskedUpstreamOnceAndSameBytes()
    {
        var path = "/sumdb/sum.golang.org/lookup/github.com/!burnt!sushi/toml@v1.2.0";
        var record = Encoding.UTF8.GetBytes("7\ngithub.com/BurntSushi/toml v1.2.0 h1:abc=\ngithub.com/BurntSushi/toml v1.2.0/go.mod h1:def=\n\n— sum.golang.org sig\n");
        _upstream.AddFile(path, record);

        var first = await _node.Client.GetByteArrayAsync(path.TrimStart('/'));
        var second = await _node.Client.GetByteArrayAsync(path.TrimStart('/'));

        Assert.Equal(record, first);
        Assert.Equal(record, second);
        Assert.Equal(1, _upstream.RequestCount(path));
    }

    [Fact]
    public async Task Tile_Served_IsImmutableAndCached()
    {
        var path = "/sumdb/sum.golang.org/tile/8/0/x001/234";
        var tile = Enumerable.Range(0, 8192).Select(i => (byte)i).ToArray();
        _upstream.AddFile(path, tile, "application/octet-stream");

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));
        using var again = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(tile, await again.Content.ReadAsByteArrayAsync());
        Assert.Contains("immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal(1, _upstream.RequestCount(path));
    }

    [Fact]
    public async Task Latest_AskedTwice_AlwaysGoesUpstream()
    {
        var path = "/sumdb/sum.golang.org/latest";
        _upstream.AddFile(path, Encoding.UTF8.GetBytes("go.sum database tree\n100\nhash=\n"));

        using var first = await _node.Client.GetAsync(path.TrimStart('/'));
        using var second = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, _upstream.RequestCount(path));
    }

    [Theory]
    [InlineData("/sumdb/sum.golang.org/lookup/corp.example.com/secret@v1.0.0")]
    [InlineData("/sumdb/sum.golang.org/lookup/nosum.example.com/thing@v1.0.0")]
    public async Task Lookup_PrivateOrNoSumdbModule_404AndNeverSentUpstream(string path)
    {
        _upstream.AddFile(path, Encoding.UTF8.GetBytes("should never be asked"));

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not looked up", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task Lookup_UpstreamFails_Returns502()
    {
        var path = "/sumdb/sum.golang.org/lookup/example.com/broken@v1.0.0";
        _upstream.InjectFault(path, UpstreamFault.Status(500));

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }
}
