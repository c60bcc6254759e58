using Microsoft.AspNetCore.Http;
using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.Cli.Tests.Commands;

/// <summary>
/// <c>modmesh status</c> against a loopback server answering /status.json in the gateway's shape: the nodes, the
/// requests by kind and the cache are printed; exit code 0 with every node in service, 1 with one out or no gateway.
/// </summary>
public sealed class StatusCommandTests
{
    private const string OneOut = """
        {"now":"2026-12-02T12:00:00Z","uptime":"00:10:00","nodesInService":1,
         "nodes":[{"node":"node-0a1b2c3d","active":"Healthy","passive":"Healthy","inService":true,"inFlight":3,"lastProbeAt":"2026-12-02T12:00:00Z","lastProbe":"success"},
                  {"node":"node-99aa88bb","active":"Unhealthy","passive":"Unknown","inService":false,"inFlight":0,"lastProbeAt":"2026-12-02T12:00:00Z","lastProbe":"timeout"}],
         "lastMinute":[{"kind":"zip","requests":42,"serverErrors":1,"p50Milliseconds":3.5,"p99Milliseconds":120.25}],
         "cache":{"hits":30,"misses":10,"hitRatio":0.75}}
        """;

    [Fact]
    public async Task OneNodeOut_IsShown_ExitCode1_AllIn_ExitCode0()
    {
        var body = OneOut;
        await using var server = await LoopbackWebServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(context.Request.Path == "/status.json" ? body : "{}");
        });

        var out1 = await CliRunner.RunAsync("status", "--proxy", server.Url);
        body = OneOut.Replace("\"nodesInService\":1", "\"nodesInService\":2", StringComparison.Ordinal).Replace("\"inService\":false", "\"inService\":true", StringComparison.Ordinal);
        var allIn = await CliRunner.RunAsync("status", "--proxy", server.Url + "/");

        Assert.Equal(1, out1.ExitCode);
        Assert.Contains("1 of 2 cache nodes in service", out1.Out, StringComparison.Ordinal);
        Assert.Contains("node-99aa88bb", out1.Out, StringComparison.Ordinal);
        Assert.Contains("OUT", out1.Out, StringComparison.Ordinal);
        Assert.Contains("timeout", out1.Out, StringComparison.Ordinal);
        Assert.Contains("120.3", out1.Out, StringComparison.Ordinal);
        Assert.Contains("hit ratio 75.0%", out1.Out, StringComparison.Ordinal);
        Assert.True(allIn.ExitCode == 0, allIn.ToString());
    }

    [Fact]
    public async Task NoGateway_ExitCode1_WithTheReason()
    {
        var run = await CliRunner.RunAsync("status", "--proxy", "http://127.0.0.1:9");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("could not be read", run.Error, StringComparison.Ordinal);
    }
}
