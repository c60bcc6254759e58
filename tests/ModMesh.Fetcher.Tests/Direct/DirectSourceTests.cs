using System.Diagnostics;
using System.Text.Json;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using Xunit.Abstractions;
using static ModMesh.Fetcher.Tests.Direct.DirectTestSupport;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>
/// <see cref="DirectSource"/> against local git repositories with the real go command: every answer is compared
/// with what go itself downloads with GOPROXY=direct.
/// </summary>
public sealed class DirectSourceTests(LocalGitModulesFixture fixture, ITestOutputHelper output) : IClassFixture<LocalGitModulesFixture>, IDisposable
{
    private readonly string _work = TempDirectory.CreateUnique("direct-work");

    private LocalGitModules Modules => fixture.Modules;

    public void Dispose() => TempDirectory.Delete(_work);

    private DirectSource Source(TimeSpan? keepWarm = null) => Create(new DirectOptions
    {
        GoBinary = GoTool.Locate().GoPath,
        WorkPath = _work,
        GitConfig = Modules.GitConfig,
        Patterns = LocalGitModules.Pattern,
        KeepWarm = keepWarm ?? TimeSpan.Zero,
        Timeout = TimeSpan.FromMinutes(2),
    });

    [Fact]
    public async Task GetAsync_TaggedVersion_InfoModZipEqualGoDirect()
    {
        var expected = await Modules.DownloadDirectAsync(LocalGitModules.PrivateModule, "v1.1.0");
        Assert.Null(expected.Error);
        using var source = Source(TimeSpan.FromSeconds(30));

        var started = Stopwatch.GetTimestamp();
        using var info = await source.GetAsync(LocalGitModules.PrivateModule, "@v/v1.1.0.info", CancellationToken.None);
        using var mod = await source.GetAsync(LocalGitModules.PrivateModule, "@v/v1.1.0.mod", CancellationToken.None);
        using var zip = await source.GetAsync(LocalGitModules.PrivateModule, "@v/v1.1.0.zip", CancellationToken.None);
        var zipBytes = await ReadAllAsync(zip);
        output.WriteLine($"direct .info+.mod+.zip of a small module: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");

        using (var document = JsonDocument.Parse(await ReadAllAsync(info)))
        {
            Assert.Equal("v1.1.0", document.RootElement.GetProperty("Version").GetString());
            Assert.True(document.RootElement.TryGetProperty("Time", out _));
        }

        Assert.Equal(await File.ReadAllBytesAsync(expected.GoMod!), await ReadAllAsync(mod));
        Assert.Equal(DirectSource.SourceName, zip.Source);
        Assert.Equal(zipBytes.Length, zip.ContentLength);
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(zipBytes)));
    }

    [Fact]
    public async Task GetAsync_NoGoModTaggedV2_ServesIncompatibleVersionWithSynthesizedGoMod()
    {
        var expected = await Modules.DownloadDirectAsync(LocalGitModules.LegacyModule, "v2.0.0+incompatible");
        Assert.Null(expected.Error);
        using var source = Source();
        var escaped = "v2.0.0+incompatible";

        using var mod = await source.GetAsync(LocalGitModules.LegacyModule, $"@v/{escaped}.mod", CancellationToken.None);
        using var zip = await source.GetAsync(LocalGitModules.LegacyModule, $"@v/{escaped}.zip", CancellationToken.None);
        using var list = await source.GetAsync(LocalGitModules.LegacyModule, "@v/list", CancellationToken.None);

        Assert.Equal($"module {LocalGitModules.LegacyModule}\n", await ReadTextAsync(mod));
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(await ReadAllAsync(zip))));
        Assert.Equal("v2.0.0+incompatible\n", await ReadTextAsync(list));
    }

    [Fact]
    public async Task GetAsync_List_AnswersTagsOnePerLine()
    {
        using var source = Source();

        using var list = await source.GetAsync(LocalGitModules.PrivateModule, "@v/list", CancellationToken.None);

        Assert.Equal("v1.0.0\nv1.1.0\n", await ReadTextAsync(list));
    }

    [Fact]
    public async Task GetAsync_Latest_AnswersHighestTagInfo()
    {
        using var source = Source();

        using var latest = await source.GetAsync(LocalGitModules.PrivateModule, "@latest", CancellationToken.None);

        using var document = JsonDocument.Parse(await ReadAllAsync(latest));
        Assert.Equal("v1.1.0", document.RootElement.GetProperty("Version").GetString());
        Assert.True(document.RootElement.TryGetProperty("Time", out _));
    }

    [Theory]
    [InlineData("main")]
    [InlineData("feature")]
    public async Task GetAsync_BranchQueryInfo_AnswersPseudoVersionOfBranchHead(string branch)
    {
        var expected = await Modules.DownloadDirectAsync(LocalGitModules.PrivateModule, branch);
        Assert.Null(expected.Error);
        using var source = Source();

        using var info = await source.GetAsync(LocalGitModules.PrivateModule, $"@v/{branch}.info", CancellationToken.None);

        using var document = JsonDocument.Parse(await ReadAllAsync(info));
        var version = document.RootElement.GetProperty("Version").GetString()!;
        Assert.Equal(expected.Version, version);
        Assert.True(PseudoVersion.IsPseudoVersion(version), version);
        var commit = branch == "main" ? Modules.MainCommit : Modules.FeatureCommit;
        Assert.EndsWith("-" + commit[..12], version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ZipOfBranchQuery_NotFound()
    {
        using var source = Source();

        using var zip = await source.GetAsync(LocalGitModules.PrivateModule, "@v/main.zip", CancellationToken.None);

        Assert.Equal(OutcomeKind.NotFound, zip.Status);
        Assert.Contains("canonical", zip.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LocalGitModules.PrivateModule, "@v/v9.9.9.info", "v9.9.9")]
    [InlineData(LocalGitModules.PrivateModule, "@v/v9.9.9.zip", "v9.9.9")]
    [InlineData(LocalGitModules.PrivateModule, "@v/v2.0.0.mod", "v2.0.0")]
    [InlineData(LocalGitModules.MissingModule, "@v/v1.0.0.info", "missing")]
    [InlineData(LocalGitModules.MissingModule, "@v/list", "missing")]
    [InlineData(LocalGitModules.MissingModule, "@latest", "missing")]
    public async Task GetAsync_UnknownVersionOrRepository_NotFoundWithGoMessage(string module, string relativePath, string mentioned)
    {
        using var source = Source();

        using var response = await source.GetAsync(module, relativePath, CancellationToken.None);

        Assert.Equal(OutcomeKind.NotFound, response.Status);
        Assert.Contains(mentioned, response.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_work, response.Message, StringComparison.Ordinal);
        output.WriteLine(response.Message);
    }

    [Fact]
    public async Task GetAsync_AfterEveryAnswerDisposed_WorkFoldersDeleted()
    {
        using var source = Source();

        using (var zip = await source.GetAsync(LocalGitModules.PrivateModule, "@v/v1.0.0.zip", CancellationToken.None))
        {
            Assert.Equal(OutcomeKind.Ok, zip.Status);
            Assert.Equal(1, source.OpenWorkspaces); // the zip is read from the work folder
            using var list = await source.GetAsync(LocalGitModules.PrivateModule, "@v/list", CancellationToken.None);
            using var missing = await source.GetAsync(LocalGitModules.PrivateModule, "@v/v9.0.0.info", CancellationToken.None);
            Assert.Equal(OutcomeKind.NotFound, missing.Status);
            await ReadAllAsync(zip);
        }

        Assert.Equal(0, source.OpenWorkspaces);
        Assert.Empty(Leftovers(source.WorkRoot));
    }

    [Fact]
    public async Task GetAsync_ConcurrentRequestsOfOneModule_AllAnswerAndShareOneFolder()
    {
        using var source = Source(TimeSpan.FromSeconds(30));

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => source.GetAsync(
            LocalGitModules.PrivateModule, (i % 3) switch { 0 => "@v/list", 1 => "@latest", _ => "@v/v1.0.0.zip" }, CancellationToken.None)));
        try
        {
            Assert.All(answers, a => Assert.True(a.Status == OutcomeKind.Ok, a.Message));
            Assert.Equal(1, source.OpenWorkspaces);
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }
}
