using Microsoft.Extensions.Logging.Abstractions;
using ModMesh.Fetcher.Direct;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>The go-import responder of mapped paths answers discovery of those paths only and forwards nothing.</summary>
public sealed class DirectDiscoveryTests
{
    private static DirectDiscovery Discovery() => new(
        new DirectMappings([new DirectMapping { Prefix = "git.corp.example/team/repo", Repository = "file:///srv/git/repo.git" }], ignoreCase: true),
        NullLogger.Instance);

    [Theory]
    [InlineData("http://git.corp.example/team/repo?go-get=1")]
    [InlineData("http://git.corp.example/team/repo/?go-get=1")]
    [InlineData("http://git.corp.example/team/repo/v2?go-get=1")]
    [InlineData("http://git.corp.example/team/repo/sub/v3?go-get=1")]
    public void Answer_DiscoveryOfMappedPath_GoImportNamingThePrefixNotTheRepository(string target)
    {
        using var discovery = Discovery();

        var (status, body) = discovery.Answer($"GET {target} HTTP/1.1\r\nHost: git.corp.example\r\n\r\n");

        Assert.Equal(200, status);
        Assert.Contains("<meta name=\"go-import\" content=\"git.corp.example/team/repo git https://git.corp.example/team/repo\">", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/git", body, StringComparison.Ordinal);
        Assert.Equal(1, discovery.Answered);
    }

    [Theory]
    [InlineData("CONNECT git.corp.example:443 HTTP/1.1", 403)]
    [InlineData("CONNECT internal.corp.example:443 HTTP/1.1", 403)]
    [InlineData("GET http://internal.corp.example/secret?go-get=1 HTTP/1.1", 404)]
    [InlineData("GET http://git.corp.example/team/repository?go-get=1 HTTP/1.1", 404)]
    [InlineData("GET http://git.corp.example/team?go-get=1 HTTP/1.1", 404)]
    [InlineData("GET http://git.corp.example/team/repo HTTP/1.1", 404)]
    [InlineData("GET http://git.corp.example/team/repo/info/refs?service=git-upload-pack HTTP/1.1", 404)]
    [InlineData("GET http://git.corp.example:8080/team/repo?go-get=1 HTTP/1.1", 404)]
    [InlineData("GET http://user:pw@git.corp.example/team/repo?go-get=1 HTTP/1.1", 404)]
    [InlineData("GET https://git.corp.example/team/repo?go-get=1 HTTP/1.1", 404)]
    [InlineData("GET /team/repo?go-get=1 HTTP/1.1", 404)]
    [InlineData("POST http://git.corp.example/team/repo?go-get=1 HTTP/1.1", 405)]
    [InlineData("garbage", 404)]
    public void Answer_AnythingElse_RefusedAndNothingForwarded(string requestLine, int expected)
    {
        using var discovery = Discovery();

        var (status, body) = discovery.Answer(requestLine + "\r\nHost: x\r\n\r\n");

        Assert.Equal(expected, status);
        Assert.DoesNotContain("<meta", body, StringComparison.Ordinal);
        Assert.Equal(0, discovery.Answered);
        Assert.Equal(1, discovery.Refused);
    }

    [Fact]
    public async Task ProxyUrl_RealSocket_AnswersDiscoveryAndRefusesConnect()
    {
        using var discovery = Discovery();
        using var handler = new HttpClientHandler { Proxy = new System.Net.WebProxy(discovery.ProxyUrl), UseProxy = true };
        using var client = new HttpClient(handler);

        var answer = await client.GetStringAsync(new Uri("http://git.corp.example/team/repo/v2?go-get=1"));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(new Uri("https://git.corp.example/team/repo?go-get=1")));
        using var other = await client.GetAsync(new Uri("http://internal.corp.example/x?go-get=1"));

        Assert.Contains("<meta name=\"go-import\"", answer, StringComparison.Ordinal);
        Assert.NotNull(refused);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(1, discovery.Answered);
        Assert.Equal(2, discovery.Refused);
    }
}
