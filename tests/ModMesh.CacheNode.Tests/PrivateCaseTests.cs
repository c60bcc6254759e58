using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// Private patterns ignore letter case by default: a module whose path differs from a private pattern only in case
/// (<c>example.com/Priv/x</c> against <c>example.com/priv</c>, the same repository on a case-insensitive host) is
/// private, so its name never reaches the public upstream; with case-sensitive patterns (go's own rule) it is public.
/// </summary>
public sealed class PrivateCaseTests
{
    [Theory]
    [InlineData("/example.com/!priv/x/@v/v1.0.0.info")]
    [InlineData("/example.com/!p!r!i!v/x/@v/list")]
    [InlineData("/example.com/priv/x/@latest")]
    public async Task CaseVariantOfAPrivatePath_NeverReachesThePublicUpstream(string path)
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var node = await TestNode.StartAsync(upstream, new Dictionary<string, string?> { ["ModMesh:Private"] = "example.com/priv" });

        using var response = await node.Client.GetAsync(path);

        Assert.NotEqual(200, (int)response.StatusCode);
        Assert.Equal(0, upstream.TotalRequests);
    }

    [Fact]
    public async Task CaseSensitivePatterns_CaseVariantIsPublic()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var node = await TestNode.StartAsync(upstream, new Dictionary<string, string?>
        {
            ["ModMesh:Private"] = "example.com/priv",
            ["ModMesh:CaseSensitivePatterns"] = "true",
        });

        using var response = await node.Client.GetAsync("/example.com/!priv/x/@v/v1.0.0.info");

        Assert.True(upstream.TotalRequests > 0);
    }
}
