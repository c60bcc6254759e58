using System.Diagnostics;
using ModMesh.AppHost.Tests.Infrastructure;
using TempDirectory = ModMesh.TestSupport.TempDirectory;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.AppHost.Tests;

/// <summary>
/// The README's run command, <c>dotnet run --project AppHost -- --ModMesh:Upstream=…</c>, as a user runs it: the real
/// AppHost (embedded topology: gateway + one cache node with a folder store) started by Aspire's testing builder, and
/// the real go client pointed at the gateway it exposes.
/// </summary>
public sealed class EmbeddedTopologyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunCommand_Embedded_GoModDownloadThroughGatewayMatchesDirect_AndDisposeStopsEveryChild()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var corpus = await GoCorpus.GetAsync();
        await using var upstream = await StaticGoProxyServer.StartAsync(corpus.ProxyTree, timeout.Token);
        var storage = TempDirectory.CreateUnique("apphost-embedded");
        var gatewayPort = AppHostRun.FreePort();
        string[] args =
        [
            $"--ModMesh:Upstream={upstream.Url}",
            "--ModMesh:Sumdb=off", // the corpus is Debian's repacked sources: not in the public checksum database
            $"--ModMesh:Storage:Path={storage}",
            $"--ModMesh:GatewayPort={gatewayPort}",
        ];
        output.WriteLine($"AppHost args: {string.Join(' ', args)}");

        var run = await AppHostRun.StartAsync(args, output, timeout.Token);
        try
        {
            await run.WaitForResourcesAsync(healthy: ["cachenode", "gateway"], running: [], TimeSpan.FromSeconds(90), timeout.Token);
            var healthyAfter = run.Elapsed;
            var started = run.RecordProcesses();
            output.WriteLine($"app start to healthy: {healthyAfter.TotalSeconds:F1} s; processes: {Environment.NewLine}  {string.Join(Environment.NewLine + "  ", started)}");
            Assert.Contains(started, p => p.CommandLine.Contains("ModMesh.CacheNode", StringComparison.Ordinal));
            Assert.Contains(started, p => p.CommandLine.Contains("ModMesh.Gateway", StringComparison.Ordinal));

            // The gateway is where ModMesh:GatewayPort puts it: the GOPROXY URL the AppHost prints.
            var gateway = run.Endpoint("gateway");
            Assert.Equal(gatewayPort, gateway.Port);
            var goProxy = gateway.GetLeftPart(UriPartial.Authority);
            output.WriteLine($"GOPROXY={goProxy}");
            // README: the AppHost "prints the GOPROXY URL to use".
            Assert.Contains(run.Logs.Tail(5000).Split('\n'), l => l.Contains("export GOPROXY=", StringComparison.Ordinal) && l.Contains($":{gatewayPort}", StringComparison.Ordinal));

            var viaModMesh = await GoDownloadRun.MainModuleAsync(corpus, goProxy);
            var direct = await GoDownloadRun.MainModuleAsync(corpus, upstream.Url);

            Assert.True(viaModMesh.Result.Succeeded, $"{viaModMesh.Result}{Environment.NewLine}{run.Diagnostics()}");
            Assert.True(direct.Result.Succeeded, direct.Result.ToString());
            Assert.All(viaModMesh.Downloads, d => Assert.True(d.Error is null, $"{d.Path}@{d.Version}: {d.Error}"));
            Assert.Equal(
                corpus.MainVersions.Select(m => m.ToString()).Order(StringComparer.Ordinal),
                viaModMesh.Downloads.Select(d => $"{d.Path}@{d.Version}").Order(StringComparer.Ordinal));
            Assert.NotEmpty(direct.GoSum);
            Assert.Equal(direct.GoSum, viaModMesh.GoSum);
            Assert.Equal(direct.Hashes, viaModMesh.Hashes);
            Assert.All(viaModMesh.Downloads, d => Assert.StartsWith("h1:", d.Sum));
            output.WriteLine(
                $"go mod download of the corpus main module ({viaModMesh.Downloads.Count} modules, {viaModMesh.ZipBytes / 1048576.0:F1} MiB of zips): " +
                $"through the AppHost's gateway (cold) {viaModMesh.Elapsed.TotalSeconds:F2} s, direct from the static upstream {direct.Elapsed.TotalSeconds:F2} s; every h1 hash equal");

            // ModMesh:Storage:Path reached the cache node: the committed versions are in that folder.
            Assert.True(Directory.EnumerateFiles(storage, "*", SearchOption.AllDirectories).Any(), $"nothing stored under {storage}{Environment.NewLine}{run.Diagnostics()}");

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using (var ready = await http.GetAsync(new Uri(gateway, "/health/ready"), timeout.Token))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
            }

            var metrics = await PrometheusScrape.ScrapeAsync(http, gateway, timeout.Token);
            Assert.True(metrics.Sum("http_server_request_duration_seconds_count") > 0,
                $"the gateway's /metrics shows no served request:{Environment.NewLine}{metrics.Text[..Math.Min(3000, metrics.Text.Length)]}");
        }
        catch
        {
            await run.DisposeAfterFailureAsync(output);
            TempDirectory.Delete(storage);
            throw;
        }

        var survivors = await run.DisposeAndFindSurvivorsAsync(grace: TimeSpan.FromSeconds(15));
        TempDirectory.Delete(storage);
        Assert.True(survivors.Count == 0,
            $"still running after the AppHost was disposed:{Environment.NewLine}{string.Join(Environment.NewLine, survivors)}");
    }
}
