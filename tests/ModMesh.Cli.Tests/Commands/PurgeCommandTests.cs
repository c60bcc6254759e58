using System.Net;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Cli.Tests.Commands;

/// <summary>
/// <c>modmesh purge</c> and <c>modmesh retention report</c> against a running cache node process (folder store, no
/// internal key: admin calls from loopback), a static upstream behind it: confirmation, what is printed, exit codes,
/// and that the purged version is filled again from upstream.
/// </summary>
public sealed class PurgeCommandTests : IAsyncLifetime
{
    private const string Module = "example.com/cli/purged";

    private readonly string _folder = TempDirectory.CreateUnique("cli-purge");
    private StaticGoProxyServer _upstream = null!;
    private ServiceProcess _node = null!;

    public async Task InitializeAsync()
    {
        _upstream = await StaticGoProxyServer.StartAsync(Directory.CreateDirectory(Path.Combine(_folder, "upstream")).FullName);
        _upstream.AddSyntheticModule(Module, "v1.0.0", 10_000);
        _upstream.AddSyntheticModule(Module, "v1.1.0", 10_000);
        _node = await ServiceProcess.StartAsync(ServiceProcess.Services.CacheNode, new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = _upstream.Url,
            ["ModMesh__NoSumdb"] = "*",
            ["ModMesh__Storage__Path"] = Path.Combine(_folder, "store"),
        });
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
        TempDirectory.Delete(_folder);
    }

    [Fact]
    public async Task Purge_AsksFirst_RefusesWithoutATerminal_ThenRemovesAndPrintsWhat_ThenRefilledFromUpstream()
    {
        using var client = new HttpClient { BaseAddress = _node.BaseAddress };
        foreach (var version in new[] { "v1.0.0", "v1.1.0" })
        {
            foreach (var kind in new[] { "info", "mod", "zip" })
            {
                using var response = await client.GetAsync($"{Module}/@v/{version}.{kind}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        // No terminal and no --yes: refused, nothing removed. A "no" at the terminal: the same.
        var noTerminal = await RunAsync(null, "purge", "--proxy", _node.Url, $"{Module}@v1.0.0");
        Assert.Equal(ExitCodes.NotConfirmed, noTerminal.ExitCode);
        Assert.Contains("--yes", noTerminal.Error, StringComparison.Ordinal);
        var asked = new List<string>();
        var declined = await RunAsync(q => { asked.Add(q); return false; }, "purge", "--proxy", _node.Url, $"{Module}@v1.0.0");
        Assert.Equal(ExitCodes.NotConfirmed, declined.ExitCode);
        Assert.Contains($"{Module}@v1.0.0", Assert.Single(asked), StringComparison.Ordinal);
        Assert.Equal(1, _upstream.Count(Module, "v1.0.0", "zip"));
        using (var still = await client.GetAsync($"{Module}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        Assert.Equal(1, _upstream.Count(Module, "v1.0.0", "zip"));

        // Confirmed: one version goes, with its files named; the other stays.
        var one = await RunAsync(_ => true, "purge", "--proxy", _node.Url, $"{Module}@v1.0.0");
        Assert.True(one.ExitCode == 0, one.Error);
        Assert.Contains($"removed {Module}@v1.0.0: zip, mod, info", one.Out, StringComparison.Ordinal);
        Assert.Contains("purged 1 version(s)", one.Out, StringComparison.Ordinal);
        using (var refilled = await client.GetAsync($"{Module}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, refilled.StatusCode);
        }

        Assert.Equal(2, _upstream.Count(Module, "v1.0.0", "zip"));

        // Every version at once, --yes for scripts; then nothing is left to purge.
        var all = await RunAsync(null, "purge", "--yes", "--proxy", _node.Url, Module);
        Assert.True(all.ExitCode == 0, all.Error);
        Assert.Contains($"removed {Module}@v1.0.0: zip", all.Out, StringComparison.Ordinal);
        Assert.Contains($"removed {Module}@v1.1.0: zip, mod, info", all.Out, StringComparison.Ordinal);
        var nothing = await RunAsync(null, "purge", "--yes", "--proxy", _node.Url, Module);
        Assert.True(nothing.ExitCode == 0, nothing.Error);
        Assert.Contains("nothing stored", nothing.Out, StringComparison.Ordinal);
        using (var again = await client.GetAsync($"{Module}/@v/v1.1.0.mod"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal(2, _upstream.Count(Module, "v1.1.0", "mod"));

        // Bad command lines never reach the node.
        Assert.Equal(2, (await RunAsync(null, "purge", "--yes", "--proxy", _node.Url, "not a module@v1.0.0")).ExitCode);
        Assert.Equal(2, (await RunAsync(null, "purge", "--yes", "--proxy", _node.Url, $"{Module}@master")).ExitCode);
    }

    [Fact]
    public async Task RetentionReport_BeforeAnyPass_Exit1_AfterADryRun_PrintsIt()
    {
        var none = await RunAsync(null, "retention", "report", "--proxy", _node.Url);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no retention pass", none.Error, StringComparison.Ordinal);

        using var client = new HttpClient { BaseAddress = _node.BaseAddress };
        using (var run = await client.PostAsync("admin/retention/run?dryRun=true", null))
        {
            Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        }

        var shown = await RunAsync(null, "retention", "report", "--proxy", _node.Url);
        Assert.True(shown.ExitCode == 0, shown.Error);
        Assert.Contains("DRY RUN", shown.Out, StringComparison.Ordinal);
        Assert.Contains("would remove 0 versions (0 bytes)", shown.Out, StringComparison.Ordinal);
        var json = await RunAsync(null, "retention", "report", "--json", "--proxy", _node.Url);
        Assert.Contains("\"dryRun\": true", json.Out, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(Func<string, bool>? confirm, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, _ => null, Confirm: confirm);
        var exit = await CliApp.RunAsync(args, context, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }
}
