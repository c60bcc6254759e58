using System.Diagnostics;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// A cache node process whose chain is "{public upstream},direct" with github.com/acme/* private: private modules
/// come from local git repositories through the go command ("direct"), reached through the operator's gitconfig
/// (ModMesh:Direct:GitConfig), and the public upstream never hears their names.
/// </summary>
public sealed class DirectGitFixture : IAsyncLifetime
{
    /// <summary>A module only the public upstream has.</summary>
    public const string PublicModule = "example.com/public/synth";

    private LocalGitModules? _modules;
    private StaticGoProxyServer? _public;
    private ServiceProcess? _node;
    private string? _root;

    public LocalGitModules Modules => _modules ?? throw new InvalidOperationException("Not initialized.");

    public StaticGoProxyServer Public => _public ?? throw new InvalidOperationException("Not initialized.");

    public ServiceProcess Node => _node ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>ModMesh:Direct:WorkPath of the node.</summary>
    public string WorkPath => Path.Combine(_root!, "direct");

    public async Task InitializeAsync()
    {
        _root = TempDirectory.CreateUnique("direct-e2e");
        _modules = await LocalGitModules.CreateAsync();
        _public = await StaticGoProxyServer.StartAsync(Directory.CreateDirectory(Path.Combine(_root, "tree")).FullName);
        _public.AddSyntheticModule(PublicModule, "v1.0.0", 1024);
        _node = await ServiceProcess.StartAsync(
            ServiceProcess.Services.CacheNode,
            new Dictionary<string, string?>
            {
                ["ModMesh__Upstream"] = $"{_public.Url},direct",
                ["ModMesh__Private"] = LocalGitModules.Pattern,
                ["ModMesh__NoSumDb"] = "*",
                ["ModMesh__Direct__GitConfig"] = _modules.GitConfig,
                ["ModMesh__Direct__WorkPath"] = WorkPath,
                ["ModMesh__Storage__Path"] = Path.Combine(_root, "storage"),
            });
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_public is not null)
        {
            await _public.DisposeAsync();
        }

        _modules?.Dispose();
        if (_root is not null)
        {
            TempDirectory.Delete(_root);
        }
    }
}

/// <summary>The real go client against a cache node that fetches private modules from git ("direct").</summary>
public sealed class DirectGitTests(DirectGitFixture fixture, ITestOutputHelper output) : IClassFixture<DirectGitFixture>
{
    private const string Module = LocalGitModules.PrivateModule;

    private GoSandbox Client() => GoSandbox.Create(new GoSandboxOptions
    {
        GoProxy = fixture.Node.Url,
        GoSumDb = "off",
        GoNoSumDb = LocalGitModules.Pattern,
        // GOPRIVATE unset on the client: the proxy is the one that knows the module is private.
    });

    [Fact]
    public async Task GoModDownload_PrivateModuleThroughNode_SameHashesAsGitDirect()
    {
        var expected = await fixture.Modules.DownloadDirectAsync(Module, "v1.1.0");
        Assert.Null(expected.Error);
        using var go = Client();

        var started = Stopwatch.GetTimestamp();
        var result = await go.GoAsync("mod", "download", "-json", $"{Module}@v1.1.0");
        output.WriteLine($"first (filling) download through the node: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");

        Assert.True(result.Succeeded, $"{result}{Environment.NewLine}{fixture.Node.RecentOutput}");
        var download = Assert.Single(GoModDownload.ParseAll(result.StandardOutput));
        Assert.Null(download.Error);
        Assert.Equal(expected.Sum, download.Sum);
        Assert.Equal(expected.GoModSum, download.GoModSum);
        AssertPublicNeverAskedForPrivate();
    }

    [Fact]
    public async Task GoListVersions_PrivateModule_ListsTags()
    {
        using var go = Client();
        var dir = go.CreateModule("example.com/scratch/list");

        var result = await go.GoAsync(["list", "-m", "-versions", Module], dir);

        Assert.True(result.Succeeded, $"{result}{Environment.NewLine}{fixture.Node.RecentOutput}");
        Assert.Equal($"{Module} v1.0.0 v1.1.0", result.StandardOutput.Trim());
        AssertPublicNeverAskedForPrivate();
    }

    [Fact]
    public async Task GoGet_LatestAndBranch_ResolvedFromGit()
    {
        using var go = Client();
        var dir = go.CreateModule("example.com/scratch/get");

        var latest = await go.GoAsync(["get", Module + "@latest"], dir);

        Assert.True(latest.Succeeded, $"{latest}{Environment.NewLine}{fixture.Node.RecentOutput}");
        Assert.Contains($"{Module} v1.1.0", await File.ReadAllTextAsync(Path.Combine(dir, "go.mod")), StringComparison.Ordinal);

        var branch = await go.GoAsync(["get", Module + "@feature"], dir);

        Assert.True(branch.Succeeded, $"{branch}{Environment.NewLine}{fixture.Node.RecentOutput}");
        var expected = await fixture.Modules.DownloadDirectAsync(Module, "feature");
        Assert.Contains($"{Module} {expected.Version}", await File.ReadAllTextAsync(Path.Combine(dir, "go.mod")), StringComparison.Ordinal);
        Assert.Contains(fixture.Modules.FeatureCommit[..12], expected.Version, StringComparison.Ordinal);
        AssertPublicNeverAskedForPrivate();
    }

    [Fact]
    public async Task GoModDownload_UnknownPrivateVersion_FailsWithGitMessageAndPublicNeverAsked()
    {
        using var go = Client();

        var result = await go.GoAsync("mod", "download", "-json", $"{Module}@v7.7.7");

        Assert.False(result.Succeeded);
        Assert.Contains("v7.7.7", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        AssertPublicNeverAskedForPrivate();
    }

    [Fact]
    public async Task GoModDownload_PublicModule_StillFromPublicUpstream()
    {
        using var go = Client();

        var result = await go.GoAsync("mod", "download", "-json", $"{DirectGitFixture.PublicModule}@v1.0.0");

        Assert.True(result.Succeeded, $"{result}{Environment.NewLine}{fixture.Node.RecentOutput}");
        Assert.True(fixture.Public.Count(DirectGitFixture.PublicModule, "v1.0.0", "zip") >= 1, string.Join(", ", fixture.Public.Requests.Keys));
    }

    private void AssertPublicNeverAskedForPrivate()
    {
        // "github.com/acme" itself (a path prefix the go client may probe) is not under github.com/acme/*.
        var leaked = fixture.Public.Requests.Keys
            .Where(k => k.StartsWith("/github.com/acme/", StringComparison.Ordinal) && !k.StartsWith("/github.com/acme/@", StringComparison.Ordinal))
            .ToList();
        Assert.True(leaked.Count == 0, "the public upstream was asked: " + string.Join(", ", leaked));
        output.WriteLine("public upstream requests: " + string.Join(", ", fixture.Public.Requests.Keys));
    }
}
