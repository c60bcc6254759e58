using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModMesh.Access;
using ModMesh.Gateway.Tests.Infrastructure;
using ModMesh.TestSupport;

namespace ModMesh.Gateway.Tests.Access;

/// <summary>
/// Authentication and per-path permissions at the gateway, in a real in-process gateway in front of a stand-in node
/// that marks its answers immutable (so the memory cache is in play): who gets 401, who gets 403, that neither reaches
/// the node, that a token works as Bearer and as Basic's password (.netrc), that private patterns ignore letter case,
/// that a cached private answer is never served to someone who may not read it, and that a revoked token stops working
/// without a restart.
/// </summary>
public sealed class AccessControlTests : IAsyncLifetime
{
    private const string PrivatePath = "/git.corp.example/infra/tool/@v/v1.0.0.mod";
    private const string OtherPrivatePath = "/git.corp.example/payments/core/@v/v1.0.0.mod";
    private const string PublicPath = "/github.com/pkg/errors/@v/v0.9.1.mod";

    private readonly string _folder = TempDirectory.CreateUnique("gateway-access");
    private StandInNode _node = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;
    private IssuedToken _alice = null!;
    private IssuedToken _bob = null!;

    private string TokensPath => Path.Combine(_folder, "tokens");

    public async Task InitializeAsync()
    {
        _alice = TokenFile.Issue("alice");
        _bob = TokenFile.Issue("bob");
        await File.WriteAllTextAsync(TokensPath, _alice.Line + "\n" + _bob.Line + "\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "rules"), "git.corp.example/infra/... R = alice\n");
        _node = await StandInNode.StartAsync("n0");
        _node.Mode = StandInMode.Immutable;
        _gateway = await TestGateway.StartAsync([_node.Url], new Dictionary<string, string?>
        {
            ["Gateway:HealthProbeInterval"] = "00:01:00",
            ["Gateway:Access:Private"] = "git.corp.example/infra,git.corp.example/payments,git.corp.example/does-not-exist",
            ["Gateway:Access:TokensFile"] = TokensPath,
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
    public async Task PublicModule_WithoutCredentials_IsServed()
    {
        using var response = await _client.GetAsync(PublicPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _node.Requests);
    }

    [Theory]
    [InlineData(PrivatePath)]
    [InlineData("/git.corp.example/does-not-exist/@v/v9.9.9.zip")]
    [InlineData("/git.corp.example/!infra/tool/@v/v1.0.0.mod")] // git.corp.example/Infra/tool: the private pattern ignores case
    [InlineData("/!git.!corp.example/infra/tool/@v/v1.0.0.mod")] // not even a valid module path: still refused, never passed on
    public async Task PrivateModule_WithoutCredentials_Is401WithBothSchemes_AndNeverReachesTheNode(string path)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var schemes = response.Headers.WwwAuthenticate.Select(h => h.Scheme).ToList();
        Assert.Contains("Basic", schemes);
        Assert.Contains("Bearer", schemes);
        Assert.Equal(0, _node.Requests);
    }

    [Fact]
    public async Task PrivateModule_ReadableToken_AsBearerAndAsBasicPassword_IsServed()
    {
        using var bearer = Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token));
        using var viaBearer = await _client.SendAsync(bearer);
        using var basic = Request(PrivatePath, new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("anyname:" + _alice.Token))));
        using var viaBasic = await _client.SendAsync(basic);

        Assert.Equal(HttpStatusCode.OK, viaBearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viaBasic.StatusCode);
    }

    [Fact]
    public async Task PrivateModule_TokenWithoutPermission_Is403_SameAnswerWhetherOrNotItExists()
    {
        using var existing = await _client.SendAsync(Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _bob.Token)));
        using var missing = await _client.SendAsync(Request("/git.corp.example/infra/nothing-here/@v/v0.0.1.info", new AuthenticationHeaderValue("Bearer", _bob.Token)));
        using var otherTree = await _client.SendAsync(Request(OtherPrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token)));

        Assert.Equal(HttpStatusCode.Forbidden, existing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherTree.StatusCode);
        Assert.Equal(await existing.Content.ReadAsStringAsync(), await missing.Content.ReadAsStringAsync());
        Assert.Equal(0, _node.Requests);
    }

    [Theory]
    [InlineData("mm_aaaaaaaaaaaa_notavalidsecretnotavalidsecretnotavalid12")]
    [InlineData("not-a-token")]
    public async Task WrongToken_Is401_EvenForAPublicModule_AndTheTokenNeverEchoes(string token)
    {
        using var response = await _client.SendAsync(Request(PublicPath, new AuthenticationHeaderValue("Bearer", token)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, _node.Requests);
    }

    [Fact]
    public async Task CachedPrivateAnswer_IsNotServedToAnyoneWhoMayNotReadIt()
    {
        using var allowed = await _client.SendAsync(Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token)));
        using var again = await _client.SendAsync(Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token)));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, _node.Requests); // the second came from the gateway's memory

        using var anonymous = await _client.GetAsync(PrivatePath);
        using var bob = await _client.SendAsync(Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _bob.Token)));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bob.StatusCode);
    }

    [Fact]
    public async Task RevokedToken_StopsWorking_WithoutARestart()
    {
        using var before = await _client.SendAsync(Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token)));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var kept = TokenFile.Revoke(await File.ReadAllLinesAsync(TokensPath), _alice.Id);
        var next = TokensPath + ".next";
        await File.WriteAllLinesAsync(next, kept);
        File.Move(next, TokensPath, overwrite: true);

        // The file watcher (or the periodic check) applies the new file; wait for it, bounded.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpStatusCode status;
        do
        {
            using var response = await _client.SendAsync(Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token)));
            status = response.StatusCode;
            if (status == HttpStatusCode.Unauthorized)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task PrivatePatternsWithoutATokensFile_TheGatewayRefusesToStart()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestGateway.StartAsync([_node.Url], new Dictionary<string, string?>
        {
            ["Gateway:Access:Private"] = "git.corp.example",
        }));

        Assert.Contains("TokensFile", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusPage_ShowsRecentFillsOfPrivateModules_WithoutTheirPath_InAnyLetterCase()
    {
        // A node's own report names every fill; the gateway's page is for anyone who can reach it, so a private path
        // (whatever its letter case) is replaced before the view leaves the gateway.
        _node.StatusBody = """
            {"fills":[
              {"at":"2026-12-02T10:00:00Z","module":"example.com/public/lib","version":"v1.0.0","file":"zip","outcome":"Ok","milliseconds":12.5,"by":"this node"},
              {"at":"2026-12-02T10:00:01Z","module":"git.corp.example/infra/secret-tool","version":"v0.3.0","file":"mod","outcome":"Ok","milliseconds":3,"by":"fetchers"},
              {"at":"2026-12-02T10:00:02Z","module":"Git.Corp.Example/INFRA/Other-Secret","version":"v0.1.0","file":"zip","outcome":"Ok","milliseconds":4,"by":"fetchers"}],
             "upstreams":[],"queue":null,"tier":null,"store":null}
            """;
        await using var gateway = await TestGateway.StartAsync([_node.Url], new Dictionary<string, string?>
        {
            ["Gateway:HealthProbeInterval"] = "00:00:00.250",
            ["Gateway:Access:Private"] = "git.corp.example/infra",
            ["Gateway:Access:TokensFile"] = TokensPath,
            ["Gateway:Access:RulesFile"] = Path.Combine(_folder, "rules"),
        });
        using var client = LoadLoop.NewClient(gateway.BaseAddress);

        // The node is asked once it is in service (the first probe); poll until its report is in the view.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string text;
        while (!(text = await client.GetStringAsync("/status.json")).Contains("example.com/public/lib", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the node's fills never reached the status page: " + text);
            await Task.Delay(100);
        }

        Assert.Equal(2, text.Split("(private module)").Length - 1);
        Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("corp.example", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ForwardedRequests_CarryTheInternalKey_NotTheClientsTokenNorAForgedKey()
    {
        const string key = "k7Rw1iV8c2yP0mQn4sT6uXz9aB3dE5fG7hJ9kL1mN3pQ";
        await using var gateway = await TestGateway.StartAsync([_node.Url], new Dictionary<string, string?>
        {
            ["Gateway:HealthProbeInterval"] = "00:01:00",
            ["Gateway:Cache:Enabled"] = "false",
            ["Gateway:Access:Private"] = "git.corp.example/infra",
            ["Gateway:Access:TokensFile"] = TokensPath,
            ["Gateway:Access:RulesFile"] = Path.Combine(_folder, "rules"),
            ["ModMesh:InternalKey"] = key,
        });
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        using var request = Request(PrivatePath, new AuthenticationHeaderValue("Bearer", _alice.Token));
        request.Headers.Add("ModMesh-Internal-Key", "forged-by-the-client");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(key, _node.LastInternalKey);
        Assert.False(_node.LastHadAuthorization);
    }

    [Fact]
    public async Task HealthEndpoints_NeedNoCredentials()
    {
        using var response = await _client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpRequestMessage Request(string path, AuthenticationHeaderValue authorization) =>
        new(HttpMethod.Get, path) { Headers = { Authorization = authorization } };
}
