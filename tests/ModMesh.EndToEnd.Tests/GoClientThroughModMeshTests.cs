using System.Diagnostics;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// The real go client (go 1.19 from Debian) through the Gateway in front of one CacheNode, both real processes,
/// against an upstream serving the local corpus. Every hash is compared with what the same go command gets
/// directly from the upstream.
/// </summary>
public sealed class GoClientThroughModMeshTests(ModMeshFixture fixture, ITestOutputHelper output) : IClassFixture<ModMeshFixture>
{
    private GoCorpus Corpus => fixture.Corpus;

    [Fact]
    public async Task GoModDownload_MainModuleThroughGateway_EveryHashMatchesDirect()
    {
        Assert.True(Corpus.Modules.Count >= 20, $"the corpus has only {Corpus.Modules.Count} modules");

        var viaModMesh = await DownloadMainModuleAsync(fixture.ModMesh.GoProxy);
        var direct = await DownloadMainModuleAsync(fixture.Upstream.Url);

        Assert.True(viaModMesh.Result.Succeeded, $"{viaModMesh.Result}{Environment.NewLine}{fixture.ModMesh.Diagnostics()}");
        Assert.True(direct.Result.Succeeded, direct.Result.ToString());
        Assert.All(viaModMesh.Downloads, d => Assert.True(d.Error is null, $"{d.Path}@{d.Version}: {d.Error}"));
        Assert.Equal(
            Corpus.MainVersions.Select(m => m.ToString()).Order(StringComparer.Ordinal),
            viaModMesh.Downloads.Select(d => $"{d.Path}@{d.Version}").Order(StringComparer.Ordinal));
        // go.sum (go.mod hashes of the whole graph) is identical line for line…
        Assert.NotEmpty(direct.GoSum);
        Assert.Equal(direct.GoSum, viaModMesh.GoSum);
        // …and so is every zip and go.mod hash go computed from what it downloaded.
        Assert.Equal(Hashes(direct.Downloads), Hashes(viaModMesh.Downloads));
        output.WriteLine($"{viaModMesh.Downloads.Count} modules, {viaModMesh.GoSum.Length} go.sum lines: every h1 hash equals the direct download's.");
    }

    [Theory]
    [InlineData("github.com/google/uuid")]
    [InlineData("github.com/BurntSushi/toml")]
    [InlineData("github.com/pkg/errors")]
    [InlineData("github.com/cespare/xxhash/v2")]
    [InlineData("gopkg.in/yaml.v3")]
    [InlineData("example.com/legacy/incompat")]
    public async Task ListVersions_ModuleWithSeveralTags_ListsTaggedVersionsInOrder(string modulePath)
    {
        var module = Corpus.Module(modulePath);
        using var go = Sandbox(fixture.ModMesh.GoProxy);
        var dir = go.CreateModule("example.com/scratch/list");

        var result = await go.GoAsync(["list", "-m", "-versions", modulePath], dir);

        Assert.True(result.Succeeded, $"{result}{Environment.NewLine}{fixture.ModMesh.Diagnostics()}");
        Assert.Equal($"{modulePath} {string.Join(' ', module.Versions)}", result.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("github.com/google/uuid")]
    [InlineData("github.com/BurntSushi/toml")]
    [InlineData("github.com/stretchr/testify")]
    public async Task GoGet_Latest_PicksHighestReleaseTag(string modulePath)
    {
        var module = Corpus.Module(modulePath);
        using var go = Sandbox(fixture.ModMesh.GoProxy);
        var dir = go.CreateModule("example.com/scratch/get");

        var result = await go.GoAsync(["get", modulePath + "@latest"], dir);

        Assert.True(result.Succeeded, $"{result}{Environment.NewLine}{fixture.ModMesh.Diagnostics()}");
        var goMod = await File.ReadAllTextAsync(Path.Combine(dir, "go.mod"));
        Assert.Contains($"{modulePath} {module.LatestRelease}", goMod, StringComparison.Ordinal);
        Assert.Contains($"added {modulePath} {module.LatestRelease}", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("github.com/BurntSushi/toml", "v1.2.0")]       // uppercase letters: !burnt!sushi
    [InlineData("github.com/BurntSushi/toml", "v1.3.0-rc.1")]  // a pre-release
    [InlineData("github.com/cespare/xxhash/v2", "v2.1.1")]     // a /v2 module
    [InlineData("gopkg.in/yaml.v3", "v3.0.1")]                 // gopkg.in
    [InlineData("example.com/legacy/incompat", "v2.1.0+incompatible")]
    [InlineData("example.com/legacy/incompat", "v2.0.0+incompatible")]
    [InlineData("golang.org/x/sys", "v0.3.0")]                 // the largest zip of the corpus
    public async Task ModDownload_SpecialModule_HashesMatchDirect(string modulePath, string version)
    {
        Assert.Contains(version, Corpus.Module(modulePath).Versions);
        var query = $"{modulePath}@{version}";

        var viaModMesh = await DownloadAsync(fixture.ModMesh.GoProxy, query);
        var direct = await DownloadAsync(fixture.Upstream.Url, query);

        Assert.True(direct.Result.Succeeded, direct.Result.ToString());
        Assert.True(viaModMesh.Result.Succeeded, $"{viaModMesh.Result}{Environment.NewLine}{fixture.ModMesh.Diagnostics()}");
        var expected = Assert.Single(direct.Downloads);
        var actual = Assert.Single(viaModMesh.Downloads);
        Assert.Null(actual.Error);
        Assert.Equal(version, actual.Version);
        Assert.StartsWith("h1:", expected.Sum);
        Assert.Equal(expected.Sum, actual.Sum);
        Assert.Equal(expected.GoModSum, actual.GoModSum);
        Assert.Equal(Assert.Single(direct.Infos), Assert.Single(viaModMesh.Infos));
    }

    [Fact]
    public async Task ModDownload_ModuleThatDoesNotExist_FailsCleanlyTwice()
    {
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            using var go = Sandbox(fixture.ModMesh.GoProxy);

            var result = await go.GoAsync("mod", "download", "-json", "example.com/does/not/exist@v1.0.0");

            var message = $"attempt {attempt}: {result}{Environment.NewLine}{fixture.ModMesh.Diagnostics()}";
            Assert.False(result.Succeeded, message);
            Assert.False(result.TimedOut, message);
            var download = Assert.Single(GoModDownload.ParseAll(result.StandardOutput));
            Assert.NotNull(download.Error);
            Assert.True(
                download.Error.Contains("404", StringComparison.Ordinal) || download.Error.Contains("not found", StringComparison.OrdinalIgnoreCase),
                message);
            Assert.DoesNotContain("500", download.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("panic", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
            output.WriteLine($"attempt {attempt}: exit code {result.ExitCode} after {result.Elapsed.TotalMilliseconds:F0} ms: {download.Error}");
        }

        Assert.False(fixture.ModMesh.Node.HasExited, fixture.ModMesh.Diagnostics());
        Assert.False(fixture.ModMesh.Gateway.HasExited, fixture.ModMesh.Diagnostics());
    }

    [Fact]
    public async Task GoModDownload_ColdThenWarm_ReportsWallTimes()
    {
        // A topology of its own: the shared one is warmed by the other tests in any order.
        await using var topology = await ModMeshTopology.StartAsync(fixture.Upstream);

        var direct = await DownloadMainModuleAsync(fixture.Upstream.Url);
        var before = fixture.Upstream.TotalRequests;
        var cold = await DownloadMainModuleAsync(topology.GoProxy);
        var afterCold = fixture.Upstream.TotalRequests;
        var warm = await DownloadMainModuleAsync(topology.GoProxy);
        var afterWarm = fixture.Upstream.TotalRequests;

        Assert.True(cold.Result.Succeeded, $"{cold.Result}{Environment.NewLine}{topology.Diagnostics()}");
        Assert.True(warm.Result.Succeeded, $"{warm.Result}{Environment.NewLine}{topology.Diagnostics()}");
        Assert.Equal(direct.GoSum, warm.GoSum);
        Assert.Equal(Hashes(direct.Downloads), Hashes(warm.Downloads));
        var zipBytes = direct.ZipBytes;
        output.WriteLine($"go mod download of the corpus main module: {Corpus.Modules.Count} modules, {zipBytes / 1024.0 / 1024.0:F1} MiB of zips, fresh GOMODCACHE each time");
        output.WriteLine($"  direct from the static upstream:        {direct.Elapsed.TotalSeconds,6:F2} s");
        output.WriteLine($"  through ModMesh, cold (empty storage):  {cold.Elapsed.TotalSeconds,6:F2} s  ({afterCold - before} upstream requests)");
        output.WriteLine($"  through ModMesh, warm (repeat):         {warm.Elapsed.TotalSeconds,6:F2} s  ({afterWarm - afterCold} upstream requests)");
    }

    private sealed record DownloadRun(CommandResult Result, IReadOnlyList<GoModDownload> Downloads, string[] GoSum, TimeSpan Elapsed, long ZipBytes = 0)
    {
        /// <summary>The .info files' contents, read before the sandbox went away.</summary>
        public string[] Infos { get; init; } = [];
    }

    private static GoSandbox Sandbox(string goProxy) => GoSandbox.Create(new GoSandboxOptions { GoProxy = goProxy });

    private async Task<DownloadRun> DownloadMainModuleAsync(string goProxy)
    {
        using var go = Sandbox(goProxy);
        var main = Corpus.CopyMainModule(go.Work);
        var stopwatch = Stopwatch.StartNew();
        var result = await go.GoAsync(["mod", "download", "-json"], main);
        stopwatch.Stop();
        var goSumPath = Path.Combine(main, "go.sum");
        var goSum = File.Exists(goSumPath) ? (await File.ReadAllLinesAsync(goSumPath)).Where(l => l.Length > 0).Order(StringComparer.Ordinal).ToArray() : [];
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        var zipBytes = downloads.Where(d => File.Exists(d.Zip)).Sum(d => new FileInfo(d.Zip!).Length);
        return new DownloadRun(result, downloads, goSum, stopwatch.Elapsed, zipBytes);
    }

    private static async Task<DownloadRun> DownloadAsync(string goProxy, string query)
    {
        using var go = Sandbox(goProxy);
        var stopwatch = Stopwatch.StartNew();
        var result = await go.GoAsync("mod", "download", "-json", query);
        stopwatch.Stop();
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        var infos = downloads.Where(d => File.Exists(d.Info)).Select(d => File.ReadAllText(d.Info!)).ToArray();
        return new DownloadRun(result, downloads, [], stopwatch.Elapsed) { Infos = infos };
    }

    private static string[] Hashes(IEnumerable<GoModDownload> downloads) =>
        downloads.SelectMany(d => new[] { $"{d.Path} {d.Version} {d.Sum}", $"{d.Path} {d.Version}/go.mod {d.GoModSum}" })
            .Order(StringComparer.Ordinal).ToArray();
}
