using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;
using static ModMesh.Fetcher.Tests.Direct.DirectTestSupport;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>"direct" in the upstream chain: which requests reach version control, and a whole fill through it.</summary>
public sealed class DirectChainTests(LocalGitModulesFixture fixture, ITestOutputHelper output) : IClassFixture<LocalGitModulesFixture>, IAsyncLifetime
{
    private readonly string _root = TempDirectory.CreateUnique("direct-chain");
    private StaticGoProxyServer? _public;

    private LocalGitModules Modules => fixture.Modules;

    private StaticGoProxyServer Public => _public ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        var tree = Directory.CreateDirectory(Path.Combine(_root, "tree")).FullName;
        _public = await StaticGoProxyServer.StartAsync(tree);
    }

    public async Task DisposeAsync()
    {
        if (_public is not null)
        {
            await _public.DisposeAsync();
        }

        TempDirectory.Delete(_root);
    }

    private UpstreamChain Chain(string upstream, string privatePatterns, out DirectSource direct)
    {
        var options = Options.Create(new UpstreamOptions
        {
            Upstream = upstream,
            Private = privatePatterns,
            Direct = new DirectOptions
            {
                GoBinary = GoTool.Locate().GoPath,
                WorkPath = Path.Combine(_root, "work"),
                GitConfig = Modules.GitConfig,
                // Public modules too (as go's own direct): the tests here are about the chain, not the allow-list.
                Patterns = "*",
                KeepWarm = TimeSpan.Zero,
            },
        });
        direct = new DirectSource(options, TimeProvider.System, NullLogger<DirectSource>.Instance);
        var clients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new UpstreamChain(clients, options, NullLogger<UpstreamChain>.Instance, TimeProvider.System, direct);
    }

    [Fact]
    public async Task GetAsync_PrivateModule_SkipsProxyEntriesAndFetchesFromGit()
    {
        var chain = Chain($"{Public.Url},direct", LocalGitModules.Pattern, out var direct);
        using var _ = direct;

        using var list = await chain.GetAsync(new ModuleUpstreamRequest(LocalGitModules.PrivateModule, "github.com/acme/private", ProxyRequestKind.List), CancellationToken.None);
        using var zip = await chain.GetAsync(new ModuleUpstreamRequest(LocalGitModules.PrivateModule, "github.com/acme/private", ProxyRequestKind.Zip, "v1.0.0"), CancellationToken.None);

        Assert.Equal("v1.0.0\nv1.1.0\n", await ReadTextAsync(list));
        Assert.Equal(DirectSource.SourceName, zip.Source);
        Assert.Equal(0, Public.TotalRequests);
    }

    [Fact]
    public async Task GetAsync_PublicModuleMissingFromProxy_FallsThroughToDirect()
    {
        // As for the go command: "direct" serves public modules too, after the proxy said 404.
        var chain = Chain($"{Public.Url},direct", "", out var direct);
        using var _ = direct;

        using var latest = await chain.GetAsync(new ModuleUpstreamRequest(LocalGitModules.PrivateModule, "github.com/acme/private", ProxyRequestKind.Latest), CancellationToken.None);

        Assert.Contains("\"v1.1.0\"", await ReadTextAsync(latest), StringComparison.Ordinal);
        Assert.Equal(1, Public.TotalRequests);
    }

    [Theory]
    [InlineData("sum.golang.org", "supported")]
    [InlineData("sum.golang.org", "lookup/github.com/acme/private@v1.0.0")]
    public async Task GetAsync_ChecksumDatabaseRequest_NeverGoesToDirect(string database, string relativePath)
    {
        var log = Path.Combine(_root, "ran");
        var go = WriteScript(_root, "go", $"echo ran >> '{log}'\n");
        var options = Options.Create(new UpstreamOptions { Upstream = "direct", Direct = new DirectOptions { GoBinary = go, WorkPath = Path.Combine(_root, "work") } });
        using var direct = new DirectSource(options, TimeProvider.System, NullLogger<DirectSource>.Instance);
        var clients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var chain = new UpstreamChain(clients, options, NullLogger<UpstreamChain>.Instance, TimeProvider.System, direct);

        using var response = await chain.GetAsync(new SumdbUpstreamRequest(database, relativePath), CancellationToken.None);

        Assert.Equal(OutcomeKind.NotFound, response.Status);
        Assert.False(File.Exists(log));
    }

    [Fact]
    public async Task StartAsync_DirectWithoutGo_FailsNamingTheFix()
    {
        using var host = FillHost.CreateBuilder(_root, "direct", new Dictionary<string, string?>
        {
            ["ModMesh:Direct:GoBinary"] = Path.Combine(_root, "missing", "go"),
            ["ModMesh:Fill:Mode"] = "Local",
        }, withConsumer: false).Build();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(bound.Token));

        Assert.Contains("direct needs the go command", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install golang-go", error.Message, StringComparison.Ordinal);
        Assert.Contains("ModMesh:Direct:GoBinary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NoDirectInChainAndNoGo_Starts()
    {
        using var host = FillHost.CreateBuilder(_root, Public.Url, new Dictionary<string, string?>
        {
            ["ModMesh:Direct:GoBinary"] = Path.Combine(_root, "missing", "go"),
            ["ModMesh:Fill:Mode"] = "Local",
        }, withConsumer: false).Build();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await host.StartAsync(bound.Token);
        await host.StopAsync(bound.Token);
    }

    [Fact]
    public async Task EnsureFilledAsync_PrivateModuleThroughDirect_CommitsSameHashesAsGo()
    {
        var expected = await Modules.DownloadDirectAsync(LocalGitModules.PrivateModule, "v1.1.0");
        var work = Path.Combine(_root, "fill-work");
        using var host = FillHost.CreateBuilder(_root, $"{Public.Url},direct", new Dictionary<string, string?>
        {
            ["ModMesh:Private"] = LocalGitModules.Pattern,
            ["ModMesh:Direct:GitConfig"] = Modules.GitConfig,
            ["ModMesh:Direct:WorkPath"] = work,
            ["ModMesh:Fill:Mode"] = "Local",
        }, withConsumer: false).Build();
        await host.StartAsync();
        try
        {
            var filler = host.Services.GetRequiredService<IModuleFiller>();
            var key = new ModuleVersionKey("github.com/acme/private", "v1.1.0");
            var started = Stopwatch.GetTimestamp();

            var outcome = await filler.EnsureFilledAsync(new FillRequest(LocalGitModules.PrivateModule, "v1.1.0", key, ModuleFile.Zip), CancellationToken.None);

            output.WriteLine($"direct fill of {key}: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
            Assert.True(outcome.Kind == OutcomeKind.Ok, outcome.Message);
            var store = host.Services.GetRequiredService<ModuleStore>();
            await using var zip = await store.OpenCommittedAsync(key, ModuleFile.Zip, CancellationToken.None);
            using var copy = new MemoryStream();
            await zip!.Content.CopyToAsync(copy);
            copy.Position = 0;
            Assert.Equal(expected.Sum, DirHash.HashZip(copy));
            Assert.Equal(0, Public.TotalRequests);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
