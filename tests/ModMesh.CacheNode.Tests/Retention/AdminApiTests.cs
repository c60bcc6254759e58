using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.CacheNode.Retention;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests.Retention;

/// <summary>The node's admin endpoints under hostile input: every malformed purge is a 400 (never a 500), nothing is removed.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private const string Module = "example.com/admin/target";
    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _upstream.AddModule(Module, "v1.0.0");
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Theory]
    [InlineData("/admin/modules/")]
    [InlineData("/admin/modules/..")]
    [InlineData("/admin/modules/example.com/admin/../admin/target")]
    [InlineData("/admin/modules/example.com%2fadmin%2ftarget")]
    [InlineData("/admin/modules/Example.com/admin/target")]
    [InlineData("/admin/modules/example.com/admin/target/@v/")]
    [InlineData("/admin/modules/example.com/admin/target/@v/master")]
    [InlineData("/admin/modules/example.com/admin/target/@v/v1.0")]
    [InlineData("/admin/modules/example.com/admin/target/@v/v1.0.0/../../x")]
    [InlineData("/admin/modules/example.com/admin/target/@v/v1.0.0%00")]
    [InlineData("/admin/modules/\u00e9xample.com/x")]
    public async Task Purge_MalformedTarget_400_NothingRemoved(string target)
    {
        await using var node = await TestNode.StartAsync(_upstream);
        using (var filled = await node.Client.GetAsync($"{Module}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, filled.StatusCode);
        }

        var response = await node.SendRawAsync(System.Text.Encoding.UTF8.GetBytes(target), "DELETE");
        Assert.True(response.StatusCode is 400 or 404, $"{target}: {response.StatusCode}");
        Assert.True(File.Exists(node.FileOf(Module, "v1.0.0.zip")), $"{target} removed the zip");
    }

    [Fact]
    public async Task Purge_Version_RemovesItsFilesInOrder_AndTheCachedQueries()
    {
        await using var node = await TestNode.StartAsync(_upstream);
        foreach (var path in new[] { $"{Module}/@v/v1.0.0.info", $"{Module}/@v/v1.0.0.mod", $"{Module}/@v/v1.0.0.zip", $"{Module}/@v/list", $"{Module}/@latest" })
        {
            using var response = await node.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var purge = await node.Client.DeleteAsync($"admin/modules/{Module}/@v/v1.0.0");
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        using var json = JsonDocument.Parse(await purge.Content.ReadAsStringAsync());
        var version = Assert.Single(json.RootElement.GetProperty("versions").EnumerateArray());
        Assert.Equal(["zip", "mod", "info"], version.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(["list", "latest"], json.RootElement.GetProperty("queries").EnumerateArray().Select(f => f.GetString()));
        Assert.False(File.Exists(node.FileOf(Module, "v1.0.0.zip")));
        Assert.False(File.Exists(node.FileOf(Module, "v1.0.0.info")));

        using var unknown = await node.Client.GetAsync("admin/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Markers_WrittenForServedVersionsOnly_NeverForInventedOnes()
    {
        await using var node = await TestNode.StartAsync(_upstream);
        var usage = node.Services.GetRequiredService<ModuleUsage>();
        var store = node.Services.GetRequiredService<ModuleStore>();
        using (var served = await node.Client.GetAsync($"{Module}/@v/v1.0.0.info"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        foreach (var invented in new[] { "v9.9.9", "v0.0.0-20990101000000-abcdefabcdef", "v1.0.1-made.up" })
        {
            using var missing = await node.Client.GetAsync($"{Module}/@v/{invented}.info");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await usage.FlushAsync(CancellationToken.None);
        var markers = new List<string>();
        await foreach (var key in store.Blobs.ListKeysAsync(ModuleStore.UsedMarkersRoot, CancellationToken.None))
        {
            markers.Add(key);
        }

        Assert.Equal([ModuleStore.UsedMarkerKeyOf(new ModuleVersionKey(Module, "v1.0.0"))], markers);
        Assert.NotNull(await usage.ReadMarkerAsync(new ModuleVersionKey(Module, "v1.0.0"), CancellationToken.None));
    }

    [Fact]
    public async Task AdminCalls_WithInternalKeySet_RefusedWithoutIt()
    {
        const string key = "admin-test-internal-key-0123456789abcdefgh";
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:InternalKey"] = key });
        using (var refused = await node.Client.DeleteAsync($"admin/modules/{Module}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, $"admin/modules/{Module}");
        request.Headers.Add("ModMesh-Internal-Key", key);
        using var allowed = await node.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }
}
