using System.Net;
using System.Text.Json;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// The module index and catalog of a node, fed by fills: a version gets its entry when its zip is committed (not for a
/// .info or .mod alone), once however many times it is read, and the catalog lists each module path once.
/// </summary>
public sealed class IndexFeedTests
{
    [Fact]
    public async Task FilledZips_AppearInTheIndexOnceEach_AndTheCatalogListsEachPathOnce()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.AddModule("example.com/feed/a", "v1.0.0", "v1.1.0");
        upstream.AddModule("example.com/feed/b", "v0.3.0");
        await using var node = await TestNode.StartAsync(upstream);

        await GetOkAsync(node, ScriptedUpstream.UrlPath("example.com/feed/b", "@v/v0.3.0.info"));
        await GetOkAsync(node, ScriptedUpstream.UrlPath("example.com/feed/b", "@v/v0.3.0.mod"));
        var beforeZips = await LinesAsync(node, "/index");
        foreach (var (path, version) in new[] { ("example.com/feed/a", "v1.0.0"), ("example.com/feed/b", "v0.3.0"), ("example.com/feed/a", "v1.1.0"), ("example.com/feed/a", "v1.0.0") })
        {
            await GetOkAsync(node, ScriptedUpstream.UrlPath(path, $"@v/{version}.zip"));
        }

        var index = await LinesAsync(node, "/index");
        var catalog = await LinesAsync(node, "/catalog");

        Assert.Empty(beforeZips);
        Assert.Equal(
            ["example.com/feed/a@v1.0.0", "example.com/feed/b@v0.3.0", "example.com/feed/a@v1.1.0"],
            index.Select(e => $"{e.GetProperty("Path").GetString()}@{e.GetProperty("Version").GetString()}"));
        Assert.Equal(["example.com/feed/a", "example.com/feed/b"], catalog.Select(e => e.GetProperty("Path").GetString()));
    }

    private static async Task GetOkAsync(TestNode node, string path)
    {
        using var response = await node.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<List<JsonElement>> LinesAsync(TestNode node, string path)
    {
        using var response = await node.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
    }
}
