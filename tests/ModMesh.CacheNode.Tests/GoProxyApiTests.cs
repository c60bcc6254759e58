using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>Every GOPROXY request kind against a node whose upstream is a <see cref="ScriptedUpstream"/>.</summary>
public sealed class GoProxyApiTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    private ScriptedUpstream Upstream => fixture.Upstream;

    private HttpClient Client => fixture.Node.Client;

    [Fact]
    public async Task List_KnownModule_ReturnsUpstreamVersionsAsMutableText()
    {
        Upstream.AddModule("example.com/api/list", "v1.0.0", "v1.1.0", "v1.2.0-beta.1");

        using var response = await Client.GetAsync("example.com/api/list/@v/list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["v1.0.0", "v1.1.0", "v1.2.0-beta.1"], lines.Order(StringComparer.Ordinal));
        AssertNotImmutable(response);
        Assert.Equal(1, Upstream.RequestCount("example.com/api/list", "@v/list"));
    }

    [Fact]
    public async Task Info_CanonicalVersion_ReturnsUpstreamInfoAsImmutableJson()
    {
        var module = Upstream.AddModule("example.com/api/info", "v1.0.0");

        using var response = await Client.GetAsync("example.com/api/info/@v/v1.0.0.info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(module.Version("v1.0.0").Info, await response.Content.ReadAsByteArrayAsync());
        AssertImmutable(response);
    }

    [Fact]
    public async Task Info_BranchQuery_ForwardedToUpstreamAndNotImmutable()
    {
        Upstream.AddModule("example.com/api/query", "v1.0.0", "v1.2.0").AddQuery("master", "v1.2.0");

        using var response = await Client.GetAsync("example.com/api/query/@v/master.info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var info = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("v1.2.0", info.RootElement.GetProperty("Version").GetString());
        Assert.Equal(1, Upstream.RequestCount("example.com/api/query", "@v/master.info"));
        AssertNotImmutable(response);
    }

    [Fact]
    public async Task Mod_Version_ReturnsUpstreamGoModAsImmutable()
    {
        var module = Upstream.AddModule("example.com/api/mod", "v1.0.0");

        using var response = await Client.GetAsync("example.com/api/mod/@v/v1.0.0.mod");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("module example.com/api/mod\n\ngo 1.19\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(module.Version("v1.0.0").Mod, await response.Content.ReadAsByteArrayAsync());
        AssertImmutable(response);
    }

    [Fact]
    public async Task Zip_Version_ReturnsUpstreamBytesAsImmutableZip()
    {
        var module = Upstream.AddModule("example.com/api/zip", "v1.0.0");

        using var response = await Client.GetAsync("example.com/api/zip/@v/v1.0.0.zip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        AssertImmutable(response);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(module.Version("v1.0.0").SmallZip, bytes);
        using var archive = new ZipArchive(new MemoryStream(bytes));
        Assert.All(archive.Entries, e => Assert.StartsWith("example.com/api/zip@v1.0.0/", e.FullName, StringComparison.Ordinal));
        Assert.Contains(archive.Entries, e => e.FullName == "example.com/api/zip@v1.0.0/go.mod");
    }

    [Fact]
    public async Task Latest_KnownModule_ReturnsNewestInfoAsMutableJson()
    {
        var module = Upstream.AddModule("example.com/api/latest", "v1.0.0", "v1.3.0");

        using var response = await Client.GetAsync("example.com/api/latest/@latest");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(module.Version("v1.3.0").Info, await response.Content.ReadAsByteArrayAsync());
        AssertNotImmutable(response);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(500)]
    public async Task Latest_UpstreamHasNoLatest_FallsBackToCommittedVersion(int upstreamStatus)
    {
        var path = $"example.com/api/latest-fallback-{upstreamStatus}";
        var module = Upstream.AddModule(path, "v1.0.0", "v1.1.0");
        using (var fill = await Client.GetAsync($"{path}/@v/v1.1.0.info"))
        {
            Assert.Equal(HttpStatusCode.OK, fill.StatusCode);
        }

        Upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@latest"), UpstreamFault.Status(upstreamStatus));
        using var response = await Client.GetAsync($"{path}/@latest");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(module.Version("v1.1.0").Info, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, Upstream.RequestCount(path, "@latest"));
    }

    [Fact]
    public async Task List_UpstreamHasNoList_FallsBackToCommittedVersions()
    {
        const string path = "example.com/api/list-fallback";
        Upstream.AddModule(path, "v1.0.0", "v1.1.0");
        using (var fill = await Client.GetAsync($"{path}/@v/v1.0.0.mod"))
        {
            Assert.Equal(HttpStatusCode.OK, fill.StatusCode);
        }

        Upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/list"), UpstreamFault.Status(404));
        using var response = await Client.GetAsync($"{path}/@v/list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1.0.0\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mod_UppercaseModulePath_ServedFromBangEncodedPathAndForwardedEncoded()
    {
        const string path = "github.com/Azure/Go-Thing";
        Upstream.AddModule(path, "v1.0.0");

        using var response = await Client.GetAsync("github.com/!azure/!go-!thing/@v/v1.0.0.mod");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("module github.com/Azure/Go-Thing\n\ngo 1.19\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, Upstream.RequestCount("/github.com/!azure/!go-!thing/@v/v1.0.0.mod"));
        Assert.True(File.Exists(fixture.Node.FileOf(path, "v1.0.0.mod")), "stored under the encoded path");
    }

    [Fact]
    public async Task Zip_UppercaseVersion_ServedFromBangEncodedVersion()
    {
        const string path = "example.com/api/upper-version";
        var module = Upstream.AddModule(path, "v1.0.0-RC.1");

        using var response = await Client.GetAsync($"{path}/@v/v1.0.0-!r!c.1.zip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(module.Version("v1.0.0-RC.1").SmallZip, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, Upstream.RequestCount($"/{path}/@v/v1.0.0-!r!c.1.zip"));
    }

    [Theory]
    [InlineData("v1.0.0.info")]
    [InlineData("v1.0.0.mod")]
    [InlineData("v1.0.0.zip")]
    public async Task Head_VersionFile_ReturnsHeadersWithoutBody(string file)
    {
        var path = $"example.com/api/head-{file.Replace('.', '-')}";
        Upstream.AddModule(path, "v1.0.0");
        using var get = await Client.GetAsync($"{path}/@v/{file}");
        var expected = await get.Content.ReadAsByteArrayAsync();

        var raw = await fixture.Node.SendRawAsync(Encoding.ASCII.GetBytes($"/{path}/@v/{file}"), "HEAD");

        Assert.Equal(200, raw.StatusCode);
        Assert.Equal(expected.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), raw.Headers["Content-Length"]);
        Assert.Equal(ImmutableCacheControl, raw.Headers["Cache-Control"]);
        Assert.Empty(raw.Body);
    }

    [Theory]
    [InlineData("v1.0.0.info")]
    [InlineData("v1.0.0.mod")]
    [InlineData("v1.0.0.zip")]
    public async Task Get_IfNoneMatchCurrentETag_Returns304WithoutBody(string file)
    {
        var path = $"example.com/api/etag-{file.Replace('.', '-')}";
        Upstream.AddModule(path, "v1.0.0");
        using var first = await Client.GetAsync($"{path}/@v/{file}");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{path}/@v/{file}");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_IfNoneMatchOtherETag_Returns200WithBody()
    {
        const string path = "example.com/api/etag-other";
        var module = Upstream.AddModule(path, "v1.0.0");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{path}/@v/v1.0.0.mod");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"not-the-etag\""));
        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(module.Version("v1.0.0").Mod, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("example.com/api/nobody/@v/list")]
    [InlineData("example.com/api/nobody/@latest")]
    [InlineData("example.com/api/nobody/@v/v1.0.0.info")]
    [InlineData("example.com/api/nobody/@v/v1.0.0.mod")]
    [InlineData("example.com/api/nobody/@v/v1.0.0.zip")]
    [InlineData("example.com/api/nobody/@v/master.info")]
    public async Task Get_UnknownModule_Returns404WithTextBody(string url)
    {
        using var response = await Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(await response.Content.ReadAsStringAsync()));
    }

    [Theory]
    [InlineData("v9.9.9.info")]
    [InlineData("v9.9.9.mod")]
    [InlineData("v9.9.9.zip")]
    [InlineData("nosuchbranch.info")]
    public async Task Get_UnknownVersionOfKnownModule_Returns404WithTextBody(string file)
    {
        var path = $"example.com/api/unknown-version-{file.Replace('.', '-')}";
        Upstream.AddModule(path, "v1.0.0");

        using var response = await Client.GetAsync($"{path}/@v/{file}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not found", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(404, "@v/v1.0.0.info", "@v/v1.0.0.info")]
    [InlineData(410, "@v/v1.0.0.info", "@v/v1.0.0.info")]
    [InlineData(404, "@v/v1.0.0.mod", "@v/v1.0.0.mod")]
    [InlineData(410, "@v/v1.0.0.zip", "@v/v1.0.0.zip")]
    [InlineData(404, "@v/list", "@v/list")]
    [InlineData(410, "@v/list", "@v/list")]
    [InlineData(410, "@latest", "@latest")]
    public async Task Get_UpstreamSaysNotFoundOrGone_Returns404(int upstreamStatus, string faulted, string requested)
    {
        var path = $"example.com/api/gone-{upstreamStatus}-{faulted.Replace('@', '-').Replace('/', '-').Replace('.', '-')}-{requested.Replace('@', '-').Replace('/', '-').Replace('.', '-')}";
        Upstream.AddModule(path, "v1.0.0");
        Upstream.InjectFault(ScriptedUpstream.UrlPath(path, faulted), UpstreamFault.Status(upstreamStatus));

        using var response = await Client.GetAsync($"{path}/{requested}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(fixture.Node.FileOf(path, "v1.0.0.info")), "nothing committed");
    }

    [Theory]
    [InlineData(500, HttpStatusCode.BadGateway)]
    [InlineData(502, HttpStatusCode.BadGateway)]
    public async Task Get_UpstreamFails_Returns5xxBlamingTheUpstream(int upstreamStatus, HttpStatusCode expected)
    {
        var path = $"example.com/api/upstream-fails-{upstreamStatus}";
        Upstream.AddModule(path, "v1.0.0");
        Upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.info"), UpstreamFault.Status(upstreamStatus));

        using var response = await Client.GetAsync($"{path}/@v/v1.0.0.info");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(["upstream"], response.Headers.GetValues("ModMesh-Failure"));
    }

    [Theory]
    [InlineData("example.com/api/nobody-blamed/@v/v1.0.0.info")] // 404
    [InlineData("example.com/api/Bad%ZZ/@v/v1.0.0.info")] // 400
    public async Task Get_NotFoundOrMalformed_CarriesNoBlame(string url)
    {
        using var response = await Client.GetAsync(url);

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode}");
        Assert.False(response.Headers.Contains("ModMesh-Failure"));
    }

    [Fact]
    public async Task Get_SumdbRequest_Returns404SoClientFallsThrough()
    {
        using var response = await Client.GetAsync("sumdb/sum.golang.org/supported");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    internal static void AssertImmutable(HttpResponseMessage response)
    {
        var cc = response.Headers.CacheControl;
        Assert.NotNull(cc);
        Assert.True(cc.Public, $"Cache-Control: {cc}");
        Assert.Equal(TimeSpan.FromSeconds(31536000), cc.MaxAge);
        Assert.Contains(cc.Extensions, e => e.Name == "immutable");
    }

    internal static void AssertNotImmutable(HttpResponseMessage response)
    {
        var cc = response.Headers.CacheControl;
        Assert.DoesNotContain(cc?.Extensions ?? [], e => e.Name == "immutable");
        Assert.True(cc?.MaxAge is null || cc.MaxAge < TimeSpan.FromDays(1), $"Cache-Control: {cc}");
    }
}
