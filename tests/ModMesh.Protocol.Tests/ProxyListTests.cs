namespace ModMesh.Protocol.Tests;

public class ProxyListTests
{
    private static IReadOnlyList<ProxyListEntry> ParseOk(string value)
    {
        Assert.True(ProxyList.TryParse(value, out var entries, out var error), error);
        Assert.Null(error);
        return entries;
    }

    [Fact]
    public void TryParse_GoDefault_UrlThenDirect() =>
        Assert.Equal(
            [new ProxyListEntry(ProxyEntryKind.Url, "https://proxy.golang.org", false), new ProxyListEntry(ProxyEntryKind.Direct, "direct", false)],
            ParseOk("https://proxy.golang.org,direct"));

    [Fact]
    public void TryParse_PipeSeparator_SetsFallThroughOnEntryBeforeIt() =>
        Assert.Equal(
            [
                new ProxyListEntry(ProxyEntryKind.Url, "https://a.example", true),
                new ProxyListEntry(ProxyEntryKind.Url, "https://b.example", false),
                new ProxyListEntry(ProxyEntryKind.Direct, "direct", false),
            ],
            ParseOk("https://a.example|https://b.example,direct"));

    [Fact]
    public void TryParse_TrailingPipe_LastEntryDoesNotFallThrough() =>
        Assert.Equal([new ProxyListEntry(ProxyEntryKind.Url, "https://a.example", false)], ParseOk("https://a.example|"));

    [Theory]
    [InlineData("proxy.example.com/go", "https://proxy.example.com/go")]
    [InlineData("localhost:8080", "https://localhost:8080")]
    [InlineData("https://proxy.example.com/go/", "https://proxy.example.com/go")]
    [InlineData("http://127.0.0.1:3000///", "http://127.0.0.1:3000")]
    [InlineData("HTTPS://proxy.example.com", "https://proxy.example.com")]
    [InlineData("file:///srv/goproxy/", "file:///srv/goproxy")]
    [InlineData("file:///", "file:///")]
    [InlineData("  https://a.example  ", "https://a.example")]
    public void TryParse_Url_Normalized(string value, string expected) =>
        Assert.Equal([new ProxyListEntry(ProxyEntryKind.Url, expected, false)], ParseOk(value));

    [Fact]
    public void TryParse_EmptyEntries_SkippedLikeGo() =>
        Assert.Equal(
            [new ProxyListEntry(ProxyEntryKind.Url, "https://a.example", false), new ProxyListEntry(ProxyEntryKind.Off, "off", false)],
            ParseOk(",https://a.example,, ,off,"));

    [Theory]
    [InlineData("", "no entries")]
    [InlineData(" , ,|", "no entries")]
    [InlineData("ftp://proxy.example.com", "scheme")]
    [InlineData("proxy", "missing scheme")]
    [InlineData("/srv/goproxy", "missing scheme")]
    [InlineData("file://host/srv/goproxy", "non-path")]
    [InlineData("https://", "host")]
    [InlineData("https:///path", "host")]
    [InlineData("https://user:pw@proxy.example.com", "host")]
    [InlineData("https://proxy.example.com/?x=1", "query")]
    [InlineData("https://proxy example.com", "space")]
    [InlineData("direct,https://proxy.example.com", "never be used")]
    [InlineData("off|direct", "never be used")]
    public void TryParse_Invalid_FalseWithMessage(string value, string messagePart)
    {
        Assert.False(ProxyList.TryParse(value, out var entries, out var error));
        Assert.Empty(entries);
        Assert.NotNull(error);
        Assert.Contains(messagePart, error, StringComparison.OrdinalIgnoreCase);
    }
}
