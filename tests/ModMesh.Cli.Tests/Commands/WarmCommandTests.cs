using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.Protocol;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;

namespace ModMesh.Cli.Tests.Commands;

/// <summary>
/// <c>modmesh warm</c> against a real loopback proxy: a go.sum warms every version (zip and go.mod checked against
/// its hashes, a "/go.mod" line fetching the go.mod only), a go.mod's require lines and module@version arguments work,
/// a wrong hash or a missing version is reported and makes the exit code 1, and bad lines are named with their line.
/// </summary>
public sealed class WarmCommandTests : IAsyncLifetime
{
    private readonly string _folder = TempDirectory.CreateUnique("cli-warm");
    private StaticGoProxyServer _proxy = null!;

    public async Task InitializeAsync()
    {
        _proxy = await StaticGoProxyServer.StartAsync(Directory.CreateDirectory(Path.Combine(_folder, "tree")).FullName);
        _proxy.AddSyntheticModule("example.com/warm/a", "v1.0.0", 4096);
        _proxy.AddSyntheticModule("example.com/warm/!b", "v0.2.0", 1024);
        _proxy.AddSyntheticModule("example.com/warm/c", "v2.0.0+incompatible", 10);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        TempDirectory.Delete(_folder);
    }

    [Fact]
    public async Task GoSum_WarmsEveryVersion_CheckedAgainstItsHashes()
    {
        var goSum = Path.Combine(_folder, "go.sum");
        await File.WriteAllLinesAsync(goSum,
        [
            $"example.com/warm/a v1.0.0 {await ZipHashAsync("example.com/warm/a", "v1.0.0")}",
            $"example.com/warm/a v1.0.0/go.mod {await ModHashAsync("example.com/warm/a", "v1.0.0")}",
            $"example.com/warm/B v0.2.0 {await ZipHashAsync("example.com/warm/!b", "v0.2.0")}",
            $"example.com/warm/c v2.0.0+incompatible/go.mod {await ModHashAsync("example.com/warm/c", "v2.0.0+incompatible")}",
        ]);

        var run = await CliRunner.RunAsync("warm", "--proxy", _proxy.Url, goSum);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warmed 3 of 3 version(s): 7 file(s)", run.Out, StringComparison.Ordinal);
        Assert.Equal(1, _proxy.Count("example.com/warm/a", "v1.0.0", "zip"));
        Assert.Equal(1, _proxy.Count("example.com/warm/!b", "v0.2.0", "zip"));
        Assert.Equal(0, _proxy.Count("example.com/warm/c", "v2.0.0+incompatible", "zip"));
        Assert.Equal(1, _proxy.Count("example.com/warm/c", "v2.0.0+incompatible", "mod"));
    }

    [Fact]
    public async Task WrongHash_OrMissingVersion_IsReported_ExitCode1()
    {
        var goSum = Path.Combine(_folder, "bad.sum");
        var hash = await ZipHashAsync("example.com/warm/a", "v1.0.0");
        var wrong = hash[..^2] + (hash[^2] == 'A' ? "B=" : "A=");
        await File.WriteAllLinesAsync(goSum, [$"example.com/warm/a v1.0.0 {wrong}", "this is not a go.sum line"]);

        var run = await CliRunner.RunAsync("warm", "--proxy", _proxy.Url, goSum, "example.com/warm/missing@v1.0.0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("checksum mismatch", run.Out + run.Error, StringComparison.Ordinal);
        Assert.Contains("example.com/warm/missing@v1.0.0: .info: 404", run.Error, StringComparison.Ordinal);
        Assert.Contains("bad.sum:2: not a go.sum line", run.Error, StringComparison.Ordinal);
        Assert.Contains("warmed 0 of 2 version(s)", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnATerminal_AProgressBarRunsToTheEnd_FailuresGetALine_AndTheSummaryFollows()
    {
        var run = await CliRunner.RunOnTerminalAsync("warm", "--proxy", _proxy.Url,
            "example.com/warm/a@v1.0.0", "example.com/warm/B@v0.2.0", "example.com/warm/missing@v1.0.0");

        Assert.True(run.ExitCode == 1, run.ToString());
        // The bar's last frame: every version done, 100 %.
        Assert.Contains("warming 3/3", run.Out, StringComparison.Ordinal);
        Assert.Contains("100%", run.Out, StringComparison.Ordinal);
        // No line per good version on a terminal; one per failure, then the summary and the failure again on stderr.
        Assert.DoesNotContain("ok     example.com/warm/a@v1.0.0", run.Out, StringComparison.Ordinal);
        Assert.Contains("FAILED example.com/warm/missing@v1.0.0: .info: 404", run.Out, StringComparison.Ordinal);
        Assert.Contains("warmed 2 of 3 version(s): 6 file(s)", run.Out, StringComparison.Ordinal);
        Assert.Contains("example.com/warm/missing@v1.0.0: .info: 404", run.Error, StringComparison.Ordinal);
        Assert.Equal(1, _proxy.Count("example.com/warm/a", "v1.0.0", "zip"));
    }

    [Fact]
    public async Task GoModRequireLines_AndModuleAtVersion_AreWarmed()
    {
        var goMod = Path.Combine(_folder, "go.mod");
        await File.WriteAllTextAsync(goMod, """
            module example.com/app

            go 1.19

            require example.com/warm/a v1.0.0 // indirect

            require (
                "example.com/warm/B" v0.2.0
            )

            replace example.com/warm/a => ../a
            """);

        var run = await CliRunner.RunAsync("warm", "--proxy", _proxy.Url + "/", "--concurrency", "2", goMod, "example.com/warm/c@v2.0.0+incompatible");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warmed 3 of 3 version(s): 9 file(s)", run.Out, StringComparison.Ordinal);
    }

    private async Task<string> ZipHashAsync(string escapedPath, string version)
    {
        using var client = new HttpClient();
        await using var zip = new MemoryStream(await client.GetByteArrayAsync($"{_proxy.Url}/{escapedPath}/@v/{version}.zip"));
        _proxy.ResetCounts();
        return DirHash.HashZip(zip);
    }

    private async Task<string> ModHashAsync(string escapedPath, string version)
    {
        using var client = new HttpClient();
        var mod = await client.GetByteArrayAsync($"{_proxy.Url}/{escapedPath}/@v/{version}.mod");
        _proxy.ResetCounts();
        return DirHash.HashGoMod(mod);
    }
}
