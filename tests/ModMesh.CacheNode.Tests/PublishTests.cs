using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.Fetcher.Publishing;
using ModMesh.Protocol;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// Publishing private module versions on a real node (folder store, in-process coordination), as the gateway forwards
/// an upload: checked by the zip rules, immutable (same content again 200, different content 409), visible at once in
/// list, @latest and the module index, announced to a webhook with a valid signature, never for a public path, never
/// without the internal key, and never asking the upstream about the private path.
/// </summary>
public sealed class PublishTests : IAsyncLifetime
{
    private const string Key = "p9Qw1iV8c2yP0mQn4sT6uXz9aB3dE5fG7hJ9kL1mN3pQ";
    private const string Module = "git.corp.example/team/lib";
    private const string Secret = "webhook-secret-for-tests";

    private readonly string _folder = TempDirectory.CreateUnique("publish-test");
    private readonly List<(string Body, string? Signature)> _hooks = [];
    private ScriptedUpstream _upstream = null!;
    private LoopbackWebServer _webhook = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _webhook = await LoopbackWebServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (_hooks)
            {
                _hooks.Add((body, context.Request.Headers[PublishWebhooks.SignatureHeader].ToString()));
            }

            context.Response.StatusCode = 204;
        });
        var secretFile = Path.Combine(_folder, "hook-secret");
        await File.WriteAllTextAsync(secretFile, Secret + "\n");
        _node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?>
        {
            [InternalCalls.ConfigurationKey] = Key,
            ["ModMesh:Private"] = "git.corp.example",
            ["ModMesh:Publish:Webhooks"] = _webhook.Url + "/hooks/modmesh",
            ["ModMesh:Publish:WebhookSecretFile"] = secretFile,
        });
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _webhook.DisposeAsync();
        await _upstream.DisposeAsync();
        TempDirectory.Delete(_folder);
    }

    [Fact]
    public async Task NewVersion_Is201_ServedWholeFromEveryRoute_ListLatestAndIndexShowIt_WebhookSigned_UpstreamNeverAsked()
    {
        var zip = Zip(Module, "v1.2.0", ("go.mod", $"module {Module}\n\ngo 1.19\n"), ("lib.go", "package lib\n"));

        using var listBefore = await GetAsync("@v/list");
        using var published = await PutAsync("v1.2.0", zip, user: "ci-bot");

        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        var text = await published.Content.ReadAsStringAsync();
        Assert.Contains(DirHashOf(zip), text, StringComparison.Ordinal);

        using var zipBack = await GetAsync("@v/v1.2.0.zip");
        Assert.Equal(HttpStatusCode.OK, zipBack.StatusCode);
        Assert.Equal(zip, await zipBack.Content.ReadAsByteArrayAsync());
        using var mod = await GetAsync("@v/v1.2.0.mod");
        Assert.Equal($"module {Module}\n\ngo 1.19\n", await mod.Content.ReadAsStringAsync());
        using var info = await GetAsync("@v/v1.2.0.info");
        using var infoJson = JsonDocument.Parse(await info.Content.ReadAsStringAsync());
        Assert.Equal("v1.2.0", infoJson.RootElement.GetProperty("Version").GetString());
        Assert.True(ModuleInfo.IsRfc3339(infoJson.RootElement.GetProperty("Time").GetString()!));

        // list was "not found" (and remembered) before; the new version shows at once.
        Assert.Equal(HttpStatusCode.NotFound, listBefore.StatusCode);
        using var list = await GetAsync("@v/list");
        Assert.Equal("v1.2.0\n", await list.Content.ReadAsStringAsync());
        using var latest = await _node.Client.SendAsync(Marked(HttpMethod.Get, ScriptedUpstream.UrlPath(Module, "@latest")));
        using var latestJson = JsonDocument.Parse(await latest.Content.ReadAsStringAsync());
        Assert.Equal("v1.2.0", latestJson.RootElement.GetProperty("Version").GetString());

        using var index = await _node.Client.SendAsync(Marked(HttpMethod.Get, "/index"));
        var line = Assert.Single((await index.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var entry = JsonDocument.Parse(line);
        Assert.Equal(Module, entry.RootElement.GetProperty("Path").GetString());
        Assert.Equal("v1.2.0", entry.RootElement.GetProperty("Version").GetString());

        await Publisher.LastAnnouncement.WaitAsync(TimeSpan.FromSeconds(30));
        var (body, signature) = Assert.Single(_hooks);
        using var hook = JsonDocument.Parse(body);
        Assert.Equal("module.published", hook.RootElement.GetProperty("event").GetString());
        Assert.Equal(Module, hook.RootElement.GetProperty("path").GetString());
        Assert.Equal("ci-bot", hook.RootElement.GetProperty("user").GetString());
        Assert.Equal(DirHashOf(zip), hook.RootElement.GetProperty("hash").GetString());
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body))), signature);

        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task SameContentAgain_Is200_DifferentContent_Is409_AndTheFirstStays()
    {
        var first = Zip(Module, "v1.0.0", ("go.mod", $"module {Module}\n"), ("a.go", "package lib\n"));
        var rezipped = Zip(Module, "v1.0.0", ("a.go", "package lib\n"), ("go.mod", $"module {Module}\n")); // other bytes, same files
        var other = Zip(Module, "v1.0.0", ("go.mod", $"module {Module}\n"), ("a.go", "package lib // changed\n"));

        using var created = await PutAsync("v1.0.0", first);
        using var again = await PutAsync("v1.0.0", rezipped);
        using var conflict = await PutAsync("v1.0.0", other);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        using var served = await GetAsync("@v/v1.0.0.zip");
        Assert.Equal(first, await served.Content.ReadAsByteArrayAsync());
        await Publisher.LastAnnouncement.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(_hooks);
    }

    [Fact]
    public async Task ConcurrentUploadsOfOneVersion_ExactlyOneContentWins()
    {
        const string version = "v1.9.0-rc.1";
        var a = Zip(Module, version, ("go.mod", $"module {Module}\n"), ("a.go", "package lib // a\n"));
        var b = Zip(Module, version, ("go.mod", $"module {Module}\n"), ("a.go", "package lib // b\n"));
        var uploads = Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await PutAsync(version, i % 2 == 0 ? a : b);
            return (Content: i % 2 == 0 ? 'a' : 'b', Status: (int)response.StatusCode);
        }).ToList();
        var results = await Task.WhenAll(uploads);

        var created = Assert.Single(results, r => r.Status == 201);
        Assert.All(results.Where(r => r.Content == created.Content && r.Status != 201), r => Assert.Equal(200, r.Status));
        Assert.All(results.Where(r => r.Content != created.Content), r => Assert.Equal(409, r.Status));
        using var served = await GetAsync($"@v/{version}.zip");
        Assert.Equal(created.Content == 'a' ? a : b, await served.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("github.com/public/lib", "v1.0.0", HttpStatusCode.Forbidden)] // not a private path: never publishable
    [InlineData(Module, "v1.0.0-20260101000000-abcdefabcdef", HttpStatusCode.BadRequest)] // a pseudo-version
    [InlineData(Module + "/v2", "v1.0.0", HttpStatusCode.BadRequest)] // v1 on a /v2 path
    public async Task UnpublishableVersions_AreRefused_AndNothingIsStored(string module, string version, HttpStatusCode expected)
    {
        var zip = Zip(module, version, ("go.mod", $"module {module}\n"), ("a.go", "package lib\n"));

        using var response = await PutAsync(version, zip, module);

        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain(Directory.EnumerateFiles(_node.StoragePath, "*", SearchOption.AllDirectories), f => f.Contains("@v", StringComparison.Ordinal));
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task ZipBreakingTheRules_Is400_WithTheReason_AndNothingIsStored()
    {
        var wrongPrefix = Zip("git.corp.example/team/other", "v1.0.0", ("go.mod", $"module {Module}\n"));
        var escaping = Zip(Module, "v1.0.0", ("../../evil.go", "package evil\n"));
        var wrongModule = Zip(Module, "v1.0.0", ("go.mod", "module git.corp.example/elsewhere\n"));

        foreach (var zip in new[] { wrongPrefix, escaping, wrongModule, Encoding.UTF8.GetBytes("not a zip at all") })
        {
            using var response = await PutAsync("v1.0.0", zip);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.False(string.IsNullOrWhiteSpace(await response.Content.ReadAsStringAsync()));
        }

        using var info = await GetAsync("@v/v1.0.0.info");
        Assert.Equal(HttpStatusCode.NotFound, info.StatusCode);
    }

    [Fact]
    public async Task FormUpload_ZipWithoutGoMod_TakesTheSeparateGoMod_AndAZipWithADifferentOneIs400()
    {
        var zipOnly = Zip(Module, "v1.3.0", ("a.go", "package lib\n"));
        var separate = $"module {Module}\n\nrequire example.com/dep v1.0.0\n";

        using var published = await PutFormAsync("v1.3.0", zipOnly, separate);
        using var mod = await GetAsync("@v/v1.3.0.mod");
        var withGoMod = Zip(Module, "v1.4.0", ("go.mod", $"module {Module}\n"), ("a.go", "package lib\n"));
        using var mismatch = await PutFormAsync("v1.4.0", withGoMod, separate);

        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(separate, await mod.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
    }

    [Fact]
    public async Task ZipWithoutGoMod_GetsTheOneLineGoModTheGoCommandWouldMake()
    {
        using var published = await PutAsync("v1.5.0", Zip(Module, "v1.5.0", ("a.go", "package lib\n")));
        using var mod = await GetAsync("@v/v1.5.0.mod");

        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal($"module {Module}\n", await mod.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IndexPages_BySinceAndLimit_InOrder()
    {
        foreach (var version in new[] { "v0.1.0", "v0.2.0", "v0.3.0" })
        {
            using var response = await PutAsync(version, Zip(Module, version, ("a.go", "package lib\n")));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var all = await IndexAsync("/index");
        var second = all[1].GetProperty("Timestamp").GetString()!;
        var fromSecond = await IndexAsync($"/index?since={Uri.EscapeDataString(second)}");
        var firstTwo = await IndexAsync("/index?limit=2");
        using var bad = await _node.Client.SendAsync(Marked(HttpMethod.Get, "/index?since=yesterday"));

        Assert.Equal(["v0.1.0", "v0.2.0", "v0.3.0"], all.Select(e => e.GetProperty("Version").GetString()));
        Assert.Equal(["v0.2.0", "v0.3.0"], fromSecond.Select(e => e.GetProperty("Version").GetString()));
        Assert.Equal(["v0.1.0", "v0.2.0"], firstTwo.Select(e => e.GetProperty("Version").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task NodeWithoutTheInternalKey_TakesNoUploads()
    {
        await using var open = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Private"] = "git.corp.example" });
        using var content = new ByteArrayContent(Zip(Module, "v1.0.0", ("a.go", "package lib\n")));

        using var response = await open.Client.PutAsync(ScriptedUpstream.UrlPath(Module, "@v/v1.0.0.zip"), content);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("gateway", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private ModulePublisher Publisher => _node.Services.GetRequiredService<ModulePublisher>();

    private async Task<List<JsonElement>> IndexAsync(string path)
    {
        using var response = await _node.Client.SendAsync(Marked(HttpMethod.Get, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
    }

    private Task<HttpResponseMessage> GetAsync(string rest) => _node.Client.SendAsync(Marked(HttpMethod.Get, ScriptedUpstream.UrlPath(Module, rest)));

    private Task<HttpResponseMessage> PutAsync(string version, byte[] zip, string module = Module, string user = "alice")
    {
        var request = Marked(HttpMethod.Put, ScriptedUpstream.UrlPath(module, $"@v/{version}.zip"));
        request.Headers.Add("ModMesh-User", user);
        request.Content = new ByteArrayContent(zip) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };
        return _node.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> PutFormAsync(string version, byte[] zip, string goMod)
    {
        var request = Marked(HttpMethod.Put, ScriptedUpstream.UrlPath(Module, $"@v/{version}.zip"));
        request.Content = new MultipartFormDataContent
        {
            { new ByteArrayContent(zip), "zip", "module.zip" },
            { new StringContent(goMod), "mod", "go.mod" },
        };
        return _node.Client.SendAsync(request);
    }

    private static HttpRequestMessage Marked(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(InternalCalls.HeaderName, Key);
        return request;
    }

    private static string DirHashOf(byte[] zip)
    {
        using var stream = new MemoryStream(zip);
        return DirHash.HashZip(stream);
    }

    private static byte[] Zip(string module, string version, params (string Name, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = archive.CreateEntry($"{module}@{version}/{name}").Open();
                entry.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        return buffer.ToArray();
    }
}
