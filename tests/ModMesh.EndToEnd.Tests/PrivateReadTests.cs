using ModMesh.Access;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// The real go client reading a private module through a gateway with access control, both services real processes:
/// without credentials go reports 401; with the token in <c>~/.netrc</c> (what the go command sends as Basic, and
/// only over HTTPS: the gateway serves TLS here with a certificate the go sandbox trusts through SSL_CERT_FILE) the
/// download succeeds and its <c>h1:</c> hashes equal a direct download's; with a token that has no rule for the
/// module, 403; and in none of the refused cases did the node see the request.
/// </summary>
public sealed class PrivateReadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string PrivatePrefix = "github.com/pkg"; // a corpus module, private to this gateway

    private readonly string _folder = TempDirectory.CreateUnique("e2e-private");
    private GoCorpus _corpus = null!;
    private StaticGoProxyServer _upstream = null!;
    private ServiceProcess _node = null!;
    private HttpsAccessGateway _gateway = null!;
    private IssuedToken _reader = null!;
    private IssuedToken _stranger = null!;
    private ModuleVersion _module = null!;

    public async Task InitializeAsync()
    {
        _corpus = await GoCorpus.GetAsync();
        _module = _corpus.MainVersions.First(m => m.Path.StartsWith(PrivatePrefix + "/", StringComparison.Ordinal));
        _upstream = await StaticGoProxyServer.StartAsync(_corpus.ProxyTree);
        _reader = TokenFile.Issue("ci-reader");
        _stranger = TokenFile.Issue("someone-else");
        var tokens = Path.Combine(_folder, "tokens");
        var rules = Path.Combine(_folder, "rules");
        await File.WriteAllTextAsync(tokens, $"{_reader.Line}\n{_stranger.Line}\n");
        await File.WriteAllTextAsync(rules, $"{PrivatePrefix}/... R = ci-reader\n");
        _node = await ServiceProcess.StartAsync(ServiceProcess.Services.CacheNode, new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = _upstream.Url,
            ["ModMesh__Storage__Path"] = Path.Combine(_folder, "store"),
            ["ModMesh__Private"] = "",
            ["ModMesh__NoSumDb"] = "*",
        });
        _gateway = await HttpsAccessGateway.StartAsync(_folder, _node.Url, PrivatePrefix, tokens, rules);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
        TempDirectory.Delete(_folder);
    }

    [Fact]
    public async Task GoModDownload_PrivateModule_401Without_403ForAStranger_WorksWithNetrc_HashesEqualDirect()
    {
        var target = _module.ToString();

        using (var anonymous = _gateway.Sandbox(token: null))
        {
            var refused = await anonymous.GoAsync("mod", "download", "-json", target);
            Assert.False(refused.Succeeded, refused.ToString());
            Assert.True(Single(refused).Error!.Contains("401", StringComparison.Ordinal), Single(refused).Error);
        }

        using (var stranger = _gateway.Sandbox(_stranger.Token))
        {
            var refused = await stranger.GoAsync("mod", "download", "-json", target);
            Assert.False(refused.Succeeded, refused.ToString());
            Assert.True(Single(refused).Error!.Contains("403", StringComparison.Ordinal), Single(refused).Error);
        }

        Assert.DoesNotContain(_module.Path.Replace("github.com/", "", StringComparison.Ordinal), _node.RecentOutput, StringComparison.Ordinal);

        using var reader = _gateway.Sandbox(_reader.Token);
        var viaGateway = await reader.GoAsync("mod", "download", "-json", target);
        using var directly = _gateway.Sandbox(token: null, goProxy: _upstream.Url);
        var direct = await directly.GoAsync("mod", "download", "-json", target);

        Assert.True(viaGateway.Succeeded, $"{viaGateway}{Environment.NewLine}{_gateway.Process.RecentOutput}");
        Assert.True(direct.Succeeded, direct.ToString());
        var got = Single(viaGateway);
        var expected = Single(direct);
        Assert.NotNull(got.Sum);
        Assert.Equal(expected.Sum, got.Sum);
        Assert.Equal(expected.GoModSum, got.GoModSum);
        Assert.DoesNotContain(_reader.Token, _gateway.Process.RecentOutput + _node.RecentOutput, StringComparison.Ordinal);
        output.WriteLine($"{target}: 401 anonymous, 403 for a token without a rule, {got.Sum} with the reader's token in .netrc (equal to direct).");
    }

    private static GoModDownload Single(CommandResult result) => Assert.Single(GoModDownload.ParseAll(result.StandardOutput));
}
