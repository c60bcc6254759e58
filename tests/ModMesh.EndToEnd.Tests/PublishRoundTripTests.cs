using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using ModMesh.Access;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// The CI flow of a private module, every part a real process: the <c>modmesh publish</c> command zips a checkout of
/// a tagged git repository and uploads it through an HTTPS gateway with access control to a cache node that requires
/// the internal key; a read-only token is refused (403); the real go client, its token in <c>~/.netrc</c>, then gets
/// the version, and its <c>h1:</c> hashes equal what the go command computes fetching the same tag straight from git.
/// The version shows in <c>go list -m -versions</c> and <c>@latest</c>; the same content again is accepted, other
/// content refused (409). Throughout, the public upstream (which also carries the checksum database) hears no private
/// path in any letter case.
/// </summary>
public sealed class PublishRoundTripTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Module = LocalGitModules.PrivateModule; // github.com/acme/private
    private const string InternalKey = "e2e-internal-key-0123456789abcdefghijklmnop";

    private readonly string _folder = TempDirectory.CreateUnique("e2e-publish");
    private LocalGitModules _git = null!;
    private StaticGoProxyServer _public = null!;
    private ServiceProcess _node = null!;
    private HttpsAccessGateway _gateway = null!;
    private IssuedToken _publisher = null!;
    private IssuedToken _reader = null!;

    public async Task InitializeAsync()
    {
        _git = await LocalGitModules.CreateAsync();
        _public = await StaticGoProxyServer.StartAsync(Directory.CreateDirectory(Path.Combine(_folder, "public")).FullName);
        _publisher = TokenFile.Issue("ci-publisher");
        _reader = TokenFile.Issue("dev-reader");
        var tokens = Path.Combine(_folder, "tokens");
        var rules = Path.Combine(_folder, "rules");
        await File.WriteAllTextAsync(tokens, $"{_publisher.Line}\n{_reader.Line}\n");
        await File.WriteAllTextAsync(rules, "github.com/acme/* RW = ci-publisher\ngithub.com/acme/... R = dev-reader\n");
        _node = await ServiceProcess.StartAsync(ServiceProcess.Services.CacheNode, new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = _public.Url,
            ["ModMesh__Private"] = "github.com/acme",
            ["ModMesh__InternalKey"] = InternalKey,
            ["ModMesh__Storage__Path"] = Path.Combine(_folder, "store"),
        });
        _gateway = await HttpsAccessGateway.StartAsync(_folder, _node.Url, "github.com/acme", tokens, rules, InternalKey);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
        await _public.DisposeAsync();
        _git.Dispose();
        TempDirectory.Delete(_folder);
    }

    [Fact]
    public async Task PublishFromACheckout_ThenGoDownloads_HashesEqualGitDirect_NoPrivatePathLeaks()
    {
        var expected = await _git.DownloadDirectAsync(Module, "v1.1.0");
        Assert.Null(expected.Error);
        var checkout = Path.Combine(_folder, "checkout");
        (await _git.Go.GitAsync(["clone", "-q", "--branch", "v1.1.0", Path.Combine(_git.Repositories, "private"), checkout], _folder)).EnsureSuccess();

        // A token that may only read: refused, nothing stored.
        var refused = await ModMeshCommandAsync("publish", "--proxy", _gateway.Url, "--token", _reader.Token, "--dir", checkout, "v1.1.0");
        Assert.True(refused.ExitCode == 4, refused.Text); // 401/403 (docs/CLI.md)
        Assert.Contains("403", refused.Text, StringComparison.Ordinal);

        // The CI publisher: created, and the command prints the same h1 as the go command's over the same tag.
        var published = await ModMeshCommandAsync("publish", "--proxy", _gateway.Url, "--token", _publisher.Token, "--dir", checkout, "v1.1.0");
        Assert.True(published.ExitCode == 0, published.Text + Environment.NewLine + _node.RecentOutput);
        Assert.Contains(expected.Sum!, published.Text, StringComparison.Ordinal);

        using (var go = _gateway.Sandbox(_reader.Token, goNoSumDb: "github.com/acme"))
        {
            var download = await go.GoAsync("mod", "download", "-json", $"{Module}@v1.1.0");
            Assert.True(download.Succeeded, $"{download}{Environment.NewLine}{_gateway.Process.RecentOutput}");
            var got = Assert.Single(GoModDownload.ParseAll(download.StandardOutput));
            Assert.Equal(expected.Sum, got.Sum);
            Assert.Equal(expected.GoModSum, got.GoModSum);

            var scratch = go.CreateModule("example.com/scratch/consumer");
            var versions = await go.GoAsync(["list", "-m", "-versions", Module], scratch);
            Assert.True(versions.Succeeded, versions.ToString());
            Assert.Equal($"{Module} v1.1.0", versions.StandardOutput.Trim());
            var latest = await go.GoAsync(["get", $"{Module}@latest"], scratch);
            Assert.True(latest.Succeeded, latest.ToString());
            Assert.Contains($"{Module} v1.1.0", await File.ReadAllTextAsync(Path.Combine(scratch, "go.mod")), StringComparison.Ordinal);
        }

        // Immutable: the same files again are accepted; changed files under the same version are not.
        var again = await ModMeshCommandAsync("publish", "--proxy", _gateway.Url, "--token", _publisher.Token, "--dir", checkout, "v1.1.0");
        Assert.True(again.ExitCode == 0, again.Text);
        await File.AppendAllTextAsync(Path.Combine(checkout, "private.go"), "\n// changed after the release\n");
        var conflict = await ModMeshCommandAsync("publish", "--proxy", _gateway.Url, "--token", _publisher.Token, "--dir", checkout, "v1.1.0");
        Assert.True(conflict.ExitCode == 3, conflict.Text); // the command's exit code for 409 (docs/CLI.md)
        Assert.Contains("different content", conflict.Text, StringComparison.Ordinal);

        // Case variants of the private path, as a module and as a checksum-database lookup: never passed on.
        using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == LoadPem().Thumbprint }) { BaseAddress = new Uri(_gateway.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _reader.Token);
        foreach (var path in new[] { "/github.com/!acme/private/@v/list", "/github.com/!a!c!m!e/private/@latest", "/sumdb/sum.golang.org/lookup/github.com/!acme/private@v1.1.0", "/sumdb/sum.golang.org/lookup/github.com/acme/private@v1.1.0" })
        {
            using var response = await client.GetAsync(path);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }

        var leaked = _public.Requests.Keys.Where(k => k.Contains("acme", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(leaked.Count == 0, "the public upstream was asked: " + string.Join(", ", leaked));
        Assert.DoesNotContain(_publisher.Token, _gateway.Process.RecentOutput + _node.RecentOutput, StringComparison.Ordinal);
        output.WriteLine($"published {Module}@v1.1.0 {expected.Sum}; public upstream requests: {_public.TotalRequests}");
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2 LoadPem() =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(_gateway.Certificate.PemPath));

    /// <summary>Runs the built modmesh command (Cli/ModMesh.Cli.dll), trusting the gateway's certificate.</summary>
    private async Task<(int ExitCode, string Text)> ModMeshCommandAsync(params string[] args)
    {
        var dll = ServiceProcess.Dll("Cli/ModMesh.Cli");
        Assert.True(File.Exists(dll), $"the modmesh command is not built: {dll}");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["SSL_CERT_FILE"] = _gateway.Certificate.PemPath;
        start.Environment.Remove("MODMESH_TOKEN");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = $"exit {process.ExitCode}{Environment.NewLine}{await stdout}{await stderr}";
        output.WriteLine($"modmesh {string.Join(' ', args.Select(a => a.StartsWith("mm_", StringComparison.Ordinal) ? "<token>" : a))}: {text}");
        return (process.ExitCode, text);
    }
}
