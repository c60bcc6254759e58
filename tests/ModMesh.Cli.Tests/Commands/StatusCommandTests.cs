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

    private const string WithNodeReports = """
        {"now":"2026-12-02T12:00:00Z","uptime":"00:10:00","nodesInService":2,
         "nodes":[{"node":"node-0a1b2c3d","active":"Healthy","passive":"Healthy","inService":true,"inFlight":0,"lastProbeAt":null,"lastProbe":null},
                  {"node":"node-99aa88bb","active":"Healthy","passive":"Healthy","inService":true,"inFlight":0,"lastProbeAt":null,"lastProbe":null}],
         "lastMinute":[],"cache":{"hits":0,"misses":0,"hitRatio":null},
         "cluster":{"nodes":[{"node":"node-0a1b2c3d","reachable":true,"problem":null,"tierHitRatio":0.5,"storeHitRatio":0.9,"memoryBytes":1536,"memoryLimitBytes":67108864,"diskBytes":0,"diskLimitBytes":1073741824},
                             {"node":"node-99aa88bb","reachable":false,"problem":"no answer within 1.5 s"}],
           "queue":{"jobs":7,"oldestAgeSeconds":42.4,"measuredAt":"2026-12-02T12:00:00Z"},
           "tier":{"hits":1,"misses":1,"ratio":0.5},"store":{"hits":9,"misses":1,"ratio":0.9},
           "recentFills":[{"at":"2026-12-02T11:59:58Z","node":"node-0a1b2c3d","module":"example.com/a","version":"v1.0.0","file":"zip","outcome":"UpstreamFailed","milliseconds":812.6,"by":"this node","upstream":"proxy.example:443"}],
           "upstreams":[{"upstream":"proxy.example:443","requests":12,"errors":2,"lastSuccess":"2026-12-02T11:59:00Z","lastFailure":"2026-12-02T11:59:58Z","lastFailureReason":"HTTP 502","p50Milliseconds":20.5,"p99Milliseconds":300,"nodes":["node-0a1b2c3d"]}]}}
        """;

    [Fact]
    public async Task NodeReports_AreShown_AnUnreachableOneSaysWhy()
    {
        await using var server = await LoopbackWebServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(WithNodeReports);
        });

        var run = await CliRunner.RunAsync("status", "--proxy", server.Url);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("node-99aa88bb    UNREACHABLE: no answer within 1.5 s", run.Out, StringComparison.Ordinal);
        Assert.Contains("tier hits  50.0%  store hits  90.0%  memory 1.5 KiB/64 MiB  disk 0 B/1 GiB", run.Out, StringComparison.Ordinal);
        Assert.Contains("fill queue: 7 job(s), oldest 42 s", run.Out, StringComparison.Ordinal);
        Assert.Contains("example.com/a@v1.0.0 .zip UpstreamFailed 813 ms by this node from proxy.example:443 (node-0a1b2c3d)", run.Out, StringComparison.Ordinal);
        Assert.Contains("last failure: HTTP 502", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeReportsOfAnotherShape_AreSaidSo_TheRestIsShown()
    {
        await using var server = await LoopbackWebServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(OneOut.Replace("\"cache\":", "\"cluster\":{\"nodes\":[{\"node\":7}]},\"cache\":", StringComparison.Ordinal));
        });

        var run = await CliRunner.RunAsync("status", "--proxy", server.Url);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("1 of 2 cache nodes in service", run.Out, StringComparison.Ordinal);
        Assert.Contains("node reports: not in a shape this modmesh understands", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoGateway_ExitCode1_WithTheReason()
    {
        var run = await CliRunner.RunAsync("status", "--proxy", "http://127.0.0.1:9");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("could not be read", run.Error, StringComparison.Ordinal);
    }
}
