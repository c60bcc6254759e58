using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private ServiceProcess _gateway = null!;
    private IssuedToken _reader = null!;
    private IssuedToken _stranger = null!;
    private ModuleVersion _module = null!;
    private string _httpsUrl = null!;
    private string _caFile = null!;

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
        var (pfx, password) = await WriteCertificateAsync();
        int http = ServiceProcess.FreeLoopbackPort(), https = ServiceProcess.FreeLoopbackPort();
        _httpsUrl = $"https://127.0.0.1:{https}";
        _gateway = await ServiceProcess.StartAsync(ServiceProcess.Services.Gateway, new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http};{_httpsUrl}",
            ["Kestrel__Certificates__Default__Path"] = pfx,
            ["Kestrel__Certificates__Default__Password"] = password,
            ["Gateway__Nodes__0"] = _node.Url,
            ["Gateway__Access__Private"] = PrivatePrefix,
            ["Gateway__Access__TokensFile"] = tokens,
            ["Gateway__Access__RulesFile"] = rules,
        }, port: http);
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

        using (var anonymous = Sandbox(_httpsUrl, token: null))
        {
            var refused = await anonymous.GoAsync("mod", "download", "-json", target);
            Assert.False(refused.Succeeded, refused.ToString());
            Assert.Contains("401", Single(refused).Error, StringComparison.Ordinal);
        }

        using (var stranger = Sandbox(_httpsUrl, _stranger.Token))
        {
            var refused = await stranger.GoAsync("mod", "download", "-json", target);
            Assert.False(refused.Succeeded, refused.ToString());
            Assert.True(Single(refused).Error!.Contains("403", StringComparison.Ordinal), Single(refused).Error);
        }

        Assert.DoesNotContain(_module.Path.Replace("github.com/", "", StringComparison.Ordinal), _node.RecentOutput, StringComparison.Ordinal);

        using var reader = Sandbox(_httpsUrl, _reader.Token);
        var viaGateway = await reader.GoAsync("mod", "download", "-json", target);
        using var directly = Sandbox(_upstream.Url, token: null);
        var direct = await directly.GoAsync("mod", "download", "-json", target);

        Assert.True(viaGateway.Succeeded, $"{viaGateway}{Environment.NewLine}{_gateway.RecentOutput}");
        Assert.True(direct.Succeeded, direct.ToString());
        var got = Single(viaGateway);
        var expected = Single(direct);
        Assert.NotNull(got.Sum);
        Assert.Equal(expected.Sum, got.Sum);
        Assert.Equal(expected.GoModSum, got.GoModSum);
        Assert.DoesNotContain(_reader.Token, _gateway.RecentOutput + _node.RecentOutput, StringComparison.Ordinal);
        output.WriteLine($"{target}: 401 anonymous, 403 for a token without a rule, {got.Sum} with the reader's token in .netrc (equal to direct).");
    }

    /// <summary>A self-signed certificate for 127.0.0.1: a PFX for the gateway, and its PEM as the go sandbox's only trusted root.</summary>
    private async Task<(string Pfx, string Password)> WriteCertificateAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=modmesh-test-gateway", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var pfx = Path.Combine(_folder, "gateway.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, password));
        _caFile = Path.Combine(_folder, "gateway.pem");
        await File.WriteAllTextAsync(_caFile, certificate.ExportCertificatePem() + "\n");
        return (pfx, password);
    }

    private static GoModDownload Single(CommandResult result) => Assert.Single(GoModDownload.ParseAll(result.StandardOutput));

    /// <summary>A go sandbox for <paramref name="goProxy"/>; trusting the gateway's certificate; with a token, its <c>~/.netrc</c> holds it for the proxy's host.</summary>
    private GoSandbox Sandbox(string goProxy, string? token)
    {
        var go = GoSandbox.Create(new GoSandboxOptions { GoProxy = goProxy, Environment = new Dictionary<string, string> { ["SSL_CERT_FILE"] = _caFile } });
        if (token is not null)
        {
            var netrc = Path.Combine(go.Home, ".netrc");
            // go 1.19 matches a .netrc machine against the host name without the port, and sends it over HTTPS only.
            File.WriteAllText(netrc, $"machine {new Uri(goProxy).Host} login ci password {token}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(netrc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return go;
    }
}
