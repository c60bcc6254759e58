using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.EndToEnd.Tests;

/// <summary>Checks the fixtures themselves: the corpus, served directly by <see cref="StaticGoProxyServer"/> to the real go client.</summary>
public sealed class CorpusFixtureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Corpus_ServedDirectly_GoModDownloadSucceeds()
    {
        var corpus = await GoCorpus.GetAsync();
        output.WriteLine($"corpus: {corpus.Modules.Count} modules, {corpus.ModuleVersions.Count} versions, " +
                         (corpus.Reused ? "reused from an earlier build" : $"built in {corpus.BuildTime.TotalSeconds:F1} s") + $" at {corpus.Root}");
        Assert.True(corpus.Modules.Count >= 20, $"only {corpus.Modules.Count} modules");

        await using var upstream = await StaticGoProxyServer.StartAsync(corpus.ProxyTree);
        using var go = GoSandbox.Create(new GoSandboxOptions { GoProxy = upstream.Url });
        var main = corpus.CopyMainModule(go.Work);

        var result = await go.GoAsync(["mod", "download", "-json"], main);

        Assert.True(result.Succeeded, result.ToString());
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        Assert.All(downloads, d => Assert.Null(d.Error));
        Assert.Equal(
            corpus.MainVersions.Select(m => m.ToString()).Order(StringComparer.Ordinal),
            downloads.Select(d => $"{d.Path}@{d.Version}").Order(StringComparer.Ordinal));
        Assert.All(downloads, d => Assert.StartsWith("h1:", d.Sum));
        Assert.All(downloads, d => Assert.True(File.Exists(d.Zip), d.Path));
        Assert.True(upstream.Count("/@v/v1.2.0.zip") >= 1);
    }

    [Fact]
    public async Task StaticGoProxyServer_ListAndLatest_FollowSemver()
    {
        var corpus = await GoCorpus.GetAsync();
        await using var upstream = await StaticGoProxyServer.StartAsync(corpus.ProxyTree);
        using var http = new HttpClient { BaseAddress = upstream.BaseAddress };
        var uuid = corpus.MultiTagModule;

        var list = await http.GetStringAsync($"{StaticGoProxyServer.EscapePath(uuid.Path)}/@v/list");
        var latest = await http.GetStringAsync($"{StaticGoProxyServer.EscapePath(uuid.Path)}/@latest");
        using var missing = await http.GetAsync("example.com/does/not/exist/@v/list");

        Assert.Equal(uuid.Versions, list.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"\"Version\":\"{uuid.LatestRelease}\"", latest.Replace(" ", ""), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(1, upstream.Count("uuid/@latest"));
    }

    [Fact]
    public async Task StaticGoProxyServer_SyntheticZip_GoDownloadsAndVerifiesIt()
    {
        var emptyTree = TempDirectory.CreateUnique("emptytree");
        await using var upstream = await StaticGoProxyServer.StartAsync(emptyTree);
        upstream.AddSyntheticModule("example.com/big/module", "v1.0.0", 3 * 1024 * 1024 + 17);
        using var go = GoSandbox.Create(new GoSandboxOptions { GoProxy = upstream.Url });

        var result = await go.GoAsync("mod", "download", "-json", "example.com/big/module@v1.0.0");

        Assert.True(result.Succeeded, result.ToString());
        var download = Assert.Single(GoModDownload.ParseAll(result.StandardOutput));
        Assert.Null(download.Error);
        Assert.Equal(upstream.SyntheticZipLength("example.com/big/module", "v1.0.0"), new FileInfo(download.Zip!).Length);
        Assert.Equal(3 * 1024 * 1024 + 17, new FileInfo(Path.Combine(download.Dir!, "payload.bin")).Length);
        TempDirectory.Delete(emptyTree);
    }

    [Fact]
    public async Task StaticGoProxyServer_FailNextAndHang_InjectFaults()
    {
        var corpus = await GoCorpus.GetAsync();
        await using var upstream = await StaticGoProxyServer.StartAsync(corpus.ProxyTree);
        using var http = new HttpClient { BaseAddress = upstream.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var path = $"{StaticGoProxyServer.EscapePath(corpus.UppercaseModule.Path)}/@v/v1.2.0.mod";

        upstream.FailNext(2, 502);
        using var first = await http.GetAsync(path);
        using var second = await http.GetAsync(path);
        using var third = await http.GetAsync(path);
        upstream.Hang();
        var hanging = http.GetAsync(path);
        await Task.Delay(300);
        var hungWhileHeld = !hanging.IsCompleted;
        upstream.ReleaseHang();
        using var released = await hanging;

        Assert.Equal(System.Net.HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, third.StatusCode);
        Assert.StartsWith("module github.com/BurntSushi/toml", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(hungWhileHeld);
        Assert.Equal(System.Net.HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(4, upstream.Count(corpus.UppercaseModule.Path, "v1.2.0", "mod"));
    }
}
