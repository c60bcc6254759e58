using System.Net;
using System.Net.Http.Headers;
using ModMesh.Access;
using ModMesh.Gateway.Tests.Infrastructure;
using ModMesh.TestSupport;

namespace ModMesh.Gateway.Tests.Access;

/// <summary>
/// Uploads and the module index at the gateway (real in-process gateway, stand-in node): an upload needs a token whose
/// rule gives RW (401 without credentials, 403 with read only, neither reaching the node); an allowed upload reaches
/// the node whole with the user named by the gateway (a client cannot name itself); other methods are 405; the index
/// feed shows each caller only the modules it may read.
/// </summary>
public sealed class PublishAccessTests : IAsyncLifetime
{
    private const string UploadPath = "/git.corp.example/infra/tool/@v/v1.1.0.zip";

    private readonly string _folder = TempDirectory.CreateUnique("gateway-publish");
    private StandInNode _node = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;
    private IssuedToken _reader = null!;
    private IssuedToken _admin = null!;

    public async Task InitializeAsync()
    {
        _reader = TokenFile.Issue("erin");
        _admin = TokenFile.Issue("alice");
        await File.WriteAllTextAsync(Path.Combine(_folder, "tokens"), _reader.Line + "\n" + _admin.Line + "\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "rules"), """
            @admins = alice
            git.corp.example/infra/* RW = @admins
            git.corp.example/... R = erin
            git.corp.example/payments/... - = erin
            """);
        _node = await StandInNode.StartAsync("n0");
        _gateway = await TestGateway.StartAsync([_node.Url], new Dictionary<string, string?>
        {
            ["Gateway:HealthProbeInterval"] = "00:01:00",
            ["Gateway:Access:Private"] = "git.corp.example",
            ["Gateway:Access:TokensFile"] = Path.Combine(_folder, "tokens"),
            ["Gateway:Access:RulesFile"] = Path.Combine(_folder, "rules"),
        });
        _client = LoadLoop.NewClient(_gateway.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
        TempDirectory.Delete(_folder);
    }

    [Fact]
    public async Task Upload_WithoutCredentials_Is401_WithReadOnlyToken_Is403_NeitherReachesTheNode()
    {
        using var anonymous = await _client.SendAsync(Put(UploadPath, null));
        using var readOnly = await _client.SendAsync(Put(UploadPath, _reader.Token));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Contains("publish", await readOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, _node.Requests);
    }

    [Fact]
    public async Task Upload_WithRwToken_ReachesTheNodeWhole_NamedByTheGateway_NotByTheClient()
    {
        var body = new byte[300_000];
        Random.Shared.NextBytes(body);
        using var request = Put(UploadPath, _admin.Token, body);
        request.Headers.Add("ModMesh-User", "root");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, _node.LastBody);
        Assert.Equal("alice", _node.LastUser);
        Assert.False(_node.LastHadAuthorization);
    }

    [Fact]
    public async Task ClientNamingItself_IsNeverPassedOn()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/github.com/pkg/errors/@v/v0.9.1.mod");
        request.Headers.Add("ModMesh-User", "alice");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(_node.LastUser);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task OtherMethods_Are405(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), UploadPath) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _admin.Token) } };

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, _node.Requests);
    }

    [Fact]
    public async Task UploadToANonZipPath_Is400()
    {
        using var response = await _client.SendAsync(Put("/git.corp.example/infra/tool/@v/v1.1.0.mod", _admin.Token));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, _node.Requests);
    }

    [Fact]
    public async Task IndexFeed_ShowsEachCallerOnlyWhatItMayRead()
    {
        _node.IndexBody = string.Join('\n',
            """{"Path":"github.com/pkg/errors","Version":"v0.9.1","Timestamp":"2026-12-01T10:00:00Z"}""",
            """{"Path":"git.corp.example/infra/tool","Version":"v1.1.0","Timestamp":"2026-12-01T10:00:01Z"}""",
            """{"Path":"git.corp.example/payments/core","Version":"v2.0.0","Timestamp":"2026-12-01T10:00:02Z"}""",
            """{"Path":"Git.Corp.Example/payments/core","Version":"v2.0.1","Timestamp":"2026-12-01T10:00:03Z"}""") + "\n";

        var anonymous = await IndexPathsAsync(null);
        var erin = await IndexPathsAsync(_reader.Token);
        var alice = await IndexPathsAsync(_admin.Token);

        Assert.Equal(["github.com/pkg/errors"], anonymous);
        Assert.Equal(["github.com/pkg/errors", "git.corp.example/infra/tool"], erin);
        Assert.Equal(["github.com/pkg/errors", "git.corp.example/infra/tool"], alice);
    }

    private async Task<List<string>> IndexPathsAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/index");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("Path").GetString()!)
            .ToList();
    }

    private static HttpRequestMessage Put(string path, string? token, byte[]? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body ?? [1, 2, 3]) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
