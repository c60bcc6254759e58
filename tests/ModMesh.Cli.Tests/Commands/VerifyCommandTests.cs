using System.Net;
using System.Text.Json;
using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using ModMesh.TestSupport.Sumdb;

namespace ModMesh.Cli.Tests.Commands;

/// <summary>
/// <c>modmesh verify</c> against a real cache node process (folder store, a scripted upstream with a test checksum
/// database): an intact store prints every version ok and a summary table with exit code 0; a zip corrupted on disk is
/// named, and the exit code is 7; <c>--json</c> passes the node's NDJSON through; <c>--quarantine</c> moves the
/// corrupt zip aside so the next run is clean; without the node's key the exit code is 4.
/// </summary>
public sealed class VerifyCommandTests : IAsyncLifetime
{
    private const string Key = "cli-verify-internal-key-0123456789abcdefghij";
    private const string Module = "example.com/cli/verify";
    private readonly string _storage = TempDirectory.CreateUnique("cli-verify");
    private ScriptedUpstream _upstream = null!;
    private TestChecksumDatabase _database = null!;
    private ServiceProcess _node = null!;

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _database = new TestChecksumDatabase();
        _database.AttachTo(_upstream);
        var module = _upstream.AddModule(Module, "v1.0.0", "v1.1.0");
        _database.Add(module.Version("v1.0.0"));
        _database.Add(module.Version("v1.1.0"));
        _node = await ServiceProcess.StartAsync(ServiceProcess.Services.CacheNode, new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = _upstream.Url,
            ["ModMesh__Storage__Path"] = _storage,
            ["ModMesh__Private"] = "",
            ["ModMesh__Sumdb"] = _database.VerifierKey,
            ["ModMesh__InternalKey"] = Key,
        });
        using var client = new HttpClient { BaseAddress = _node.BaseAddress };
        client.DefaultRequestHeaders.Add("ModMesh-Internal-Key", Key);
        foreach (var file in new[] { "v1.0.0.mod", "v1.0.0.zip", "v1.1.0.mod", "v1.1.0.zip" })
        {
            using var response = await client.GetAsync($"{Module}/@v/{file}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {(int)response.StatusCode}{Environment.NewLine}{_node.RecentOutput}");
        }
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
        _database.Dispose();
        TempDirectory.Delete(_storage);
    }

    private string StoredZip(string version) => Path.Combine(_storage, "modules", Module, "@v", version + ".zip");

    [Fact]
    public async Task IntactStore_EveryVersionOk_SummaryTable_ExitCode0()
    {
        var run = await CliRunner.RunAsync("verify", "--url", _node.Url, "--token", Key);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"ok             {Module}@v1.0.0", run.Out, StringComparison.Ordinal);
        Assert.Contains($"ok             {Module}@v1.1.0", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ok\s+2$", run.Out);
        Assert.Matches(@"(?m)^mismatch\s+0$", run.Out);
        Assert.Matches(@"(?m)^total\s+2$", run.Out);
    }

    [Fact]
    public async Task CorruptZip_IsNamed_ExitCode7_QuarantineMakesTheNextRunClean()
    {
        FlipMiddleOfFirstEntry(StoredZip("v1.1.0"));

        var report = await CliRunner.RunAsync("verify", "--url", _node.Url, "--token", Key, Module);

        Assert.True(report.ExitCode == 7, report.ToString());
        Assert.Contains($"corrupt: {Module}@v1.1.0", report.Error, StringComparison.Ordinal);
        Assert.DoesNotContain($"corrupt: {Module}@v1.0.0", report.Error, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync("verify", "--url", _node.Url, "--token", Key, "--json", $"{Module}@v1.1.0");
        Assert.Equal(7, json.ExitCode);
        var lines = json.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("v1.1.0", lines[0].GetProperty("version").GetString());
        Assert.Equal(1, lines[1].GetProperty("summary").GetProperty("corrupt").GetInt32());

        var quarantine = await CliRunner.RunAsync("verify", "--url", _node.Url, "--token", Key, "--quarantine");
        Assert.True(quarantine.ExitCode == 7, quarantine.ToString());
        Assert.Contains("1 file(s) quarantined", quarantine.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(StoredZip("v1.1.0")));

        var after = await CliRunner.RunAsync("verify", "--url", _node.Url, "--token", Key);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Matches(@"(?m)^total\s+2$", after.Out);
    }

    [Fact]
    public async Task WithoutTheKey_ExitCode4()
    {
        var run = await CliRunner.RunAsync("verify", "--url", _node.Url);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("403", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoUrl_IsAUsageError()
    {
        var run = await CliRunner.RunAsync("verify", Module);

        Assert.Equal(2, run.ExitCode);
    }

    private static void FlipMiddleOfFirstEntry(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var header = new byte[30];
        file.ReadExactly(header);
        var offset = 30 + BitConverter.ToUInt16(header, 26) + BitConverter.ToUInt16(header, 28) + BitConverter.ToInt32(header, 18) / 2;
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0xFF));
    }
}
