using System.Net;
using System.Text;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Sumdb;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// The "/sumdb/..." routes: only the configured database is proxied; latest, lookups and tiles are checked against its
/// signed tree (kept in the store) before they are passed on, and only authenticated lookups and tiles are kept.
/// </summary>
public sealed class ChecksumDatabaseProxyTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;
    private TestChecksumDatabase _database = null!;
    private TestNode _node = null!;
    private string _storage = null!;

    private string Prefix => $"/sumdb/{_database.Name}";

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _database = new TestChecksumDatabase();
        _database.AttachTo(_upstream);
        _storage = TempDirectory.CreateUnique("sumdb-proxy");
        _node = await StartNodeAsync();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
        _database.Dispose();
        TempDirectory.Delete(_storage);
    }

    private Task<TestNode> StartNodeAsync(string? sumdb = null) => TestNode.StartAsync(_upstream, new Dictionary<string, string?>
    {
        ["ModMesh:Private"] = "corp.example.com",
        ["ModMesh:NoSumdb"] = "nosum.example.com",
        ["ModMesh:Sumdb"] = sumdb ?? _database.VerifierKey,
    }, _storage);

    private string KeptFile(string sumdbPath) => Path.Join(_storage, "sumdb", _database.Name, "checked", sumdbPath);

    private static string CacheControl(HttpResponseMessage response) => response.Headers.CacheControl?.ToString() ?? "";

    private byte[] PublishedFile(string path) => _database.Files().Single(f => f.Path == path).Body;

    [Fact]
    public async Task Supported_ConfiguredDatabase_Returns200()
    {
        using var response = await _node.Client.GetAsync($"{Prefix.TrimStart('/')}/supported");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Supported_UpstreamDoesNot_Returns404SoGoFallsBack()
    {
        _upstream.InjectFault($"{Prefix}/supported", UpstreamFault.Status(404));

        using var response = await _node.Client.GetAsync($"{Prefix.TrimStart('/')}/supported");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("supported")]
    [InlineData("latest")]
    [InlineData("lookup/example.com/a@v1.0.0")]
    [InlineData("tile/8/0/000")]
    public async Task Get_UnknownDatabaseName_404AndNeverSentUpstream(string rest)
    {
        var path = $"/sumdb/sum.golang.org/{rest}";
        _upstream.AddFile(path, Encoding.UTF8.GetBytes("should never be asked"));

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not a configured checksum database", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task Get_SumdbOff_404AndNeverSentUpstream()
    {
        await using var off = await TestNode.StartAsync(_upstream);

        using var supported = await off.Client.GetAsync($"{Prefix.TrimStart('/')}/supported");
        using var latest = await off.Client.GetAsync($"{Prefix.TrimStart('/')}/latest");

        Assert.Equal(HttpStatusCode.NotFound, supported.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task Lookup_Authentic_KeptImmutableAndAskedUpstreamOnce()
    {
        _database.AddFiller(3);
        _database.Add("github.com/BurntSushi/toml", "v1.2.0", "h1:" + Convert.ToBase64String(new byte[32]), "h1:" + Convert.ToBase64String(new byte[32]));
        var path = $"{Prefix}/lookup/github.com/!burnt!sushi/toml@v1.2.0";

        using var first = await _node.Client.GetAsync(path.TrimStart('/'));
        using var second = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("immutable", CacheControl(first));
        Assert.Equal(PublishedFile(path), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, _upstream.RequestCount(path));
        Assert.True(File.Exists(KeptFile("lookup/github.com/!burnt!sushi/toml@v1.2.0")));
    }

    [Fact]
    public async Task Lookup_ForgedSignature_502AndNotKept()
    {
        _database.Add("example.com/forged", "v1.0.0", "h1:" + Convert.ToBase64String(new byte[32]), "h1:" + Convert.ToBase64String(new byte[32]));
        _database.CorruptSignatures = true;
        _database.Republish();
        var path = $"{Prefix}/lookup/example.com/forged@v1.0.0";

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(File.Exists(KeptFile("lookup/example.com/forged@v1.0.0")));
    }

    [Fact]
    public async Task Tile_Authentic_KeptImmutableAndServedFromStore()
    {
        _database.AddFiller(300);
        var path = $"{Prefix}/tile/8/0/000";

        using var first = await _node.Client.GetAsync(path.TrimStart('/'));
        var asked = _upstream.RequestCount(path);
        using var second = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("immutable", CacheControl(first));
        Assert.Equal(PublishedFile(path), await second.Content.ReadAsByteArrayAsync());
        Assert.Contains("immutable", CacheControl(second));
        Assert.Equal(asked, _upstream.RequestCount(path));
        Assert.True(File.Exists(KeptFile("tile/8/0/000")));
    }

    [Fact]
    public async Task Tile_PartialAtTreeEdge_KeptImmutable()
    {
        _database.AddFiller(300);
        var path = $"{Prefix}/tile/8/0/001.p/44";

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("immutable", CacheControl(response));
        Assert.True(File.Exists(KeptFile("tile/8/0/001.p/44")));
    }

    [Fact]
    public async Task Tile_DataTileMatchesTree_KeptImmutable()
    {
        _database.AddFiller(300);
        var path = $"{Prefix}/tile/8/data/000";

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("immutable", CacheControl(response));
        Assert.Equal(PublishedFile(path), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Tile_Garbage_PassedOnUncachedAndAskedAgain()
    {
        _database.AddFiller(10);
        var path = $"{Prefix}/tile/8/0/x001/234";
        var garbage = Enumerable.Range(0, 8192).Select(i => (byte)i).ToArray();
        _upstream.AddFile(path, garbage, "application/octet-stream");

        using var first = await _node.Client.GetAsync(path.TrimStart('/'));
        using var second = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(garbage, await first.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain("immutable", CacheControl(first));
        Assert.Contains("no-cache", CacheControl(first));
        Assert.Equal(2, _upstream.RequestCount(path));
        Assert.False(File.Exists(KeptFile("tile/8/0/x001/234")));
    }

    [Fact]
    public async Task Tile_ContradictsSignedTree_502AndNotKept()
    {
        _database.AddFiller(300);
        var path = $"{Prefix}/tile/8/0/000";
        var tampered = PublishedFile(path).ToArray();
        tampered[100] ^= 0x01;
        _upstream.AddFile(path, tampered, "application/octet-stream");

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("contradicts", await response.Content.ReadAsStringAsync());
        Assert.False(File.Exists(KeptFile("tile/8/0/000")));
    }

    [Fact]
    public async Task Tile_DataTileContradictsSignedTree_502AndNotKept()
    {
        _database.AddFiller(300);
        var path = $"{Prefix}/tile/8/data/000";
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(PublishedFile(path)).Replace("filler.example/m7 ", "filler.example/m8 ", StringComparison.Ordinal));
        _upstream.AddFile(path, tampered);

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(File.Exists(KeptFile("tile/8/data/000")));
    }

    [Fact]
    public async Task Tile_WrongSizeForWidth_502AndNotKept()
    {
        _database.AddFiller(300);
        var path = $"{Prefix}/tile/8/0/000";
        _upstream.AddFile(path, PublishedFile(path)[..100], "application/octet-stream");

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(File.Exists(KeptFile("tile/8/0/000")));
    }

    [Fact]
    public async Task Latest_Authentic_PassedOnNoCacheAndAlwaysAsked()
    {
        _database.AddFiller(5);
        var path = $"{Prefix}/latest";

        using var first = await _node.Client.GetAsync(path.TrimStart('/'));
        using var second = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(_database.SignedTreeHead(), await second.Content.ReadAsByteArrayAsync());
        Assert.Contains("no-cache", CacheControl(second));
        Assert.Equal(2, _upstream.RequestCount(path));
    }

    [Fact]
    public async Task Latest_Forged_502()
    {
        _upstream.AddFile($"{Prefix}/latest", Encoding.UTF8.GetBytes("go.sum database tree\n100\nhash=\n"));

        using var response = await _node.Client.GetAsync($"{Prefix.TrimStart('/')}/latest");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Latest_RolledBackAfterRestart_502()
    {
        _database.AddFiller(300);
        using (var before = await _node.Client.GetAsync($"{Prefix.TrimStart('/')}/latest"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // A new node process over the same store; the upstream now serves an older (even consistent) tree head.
        await _node.DisposeAsync();
        _node = await StartNodeAsync();
        _database.ServeTreeSize = 20;
        _database.Republish();

        using var response = await _node.Client.GetAsync($"{Prefix.TrimStart('/')}/latest");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("rolled back", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("lookup/corp.example.com/secret@v1.0.0")]
    [InlineData("lookup/nosum.example.com/thing@v1.0.0")]
    public async Task Lookup_PrivateOrNoSumdbModule_404AndNeverSentUpstream(string rest)
    {
        var path = $"{Prefix}/{rest}";
        _upstream.AddFile(path, Encoding.UTF8.GetBytes("should never be asked"));

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not looked up", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task Lookup_NotInDatabase_404()
    {
        using var response = await _node.Client.GetAsync($"{Prefix.TrimStart('/')}/lookup/example.com/missing@v1.0.0");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Lookup_UpstreamFails_Returns502()
    {
        var path = $"{Prefix}/lookup/example.com/broken@v1.0.0";
        _upstream.InjectFault(path, UpstreamFault.Status(500));

        using var response = await _node.Client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }
}
