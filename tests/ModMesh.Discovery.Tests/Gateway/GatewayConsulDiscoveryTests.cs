using System.Diagnostics;
using System.Net;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Consul;
using ModMesh.TestSupport.Processes;
using ModMesh.Discovery.Tests.Consul;
using Xunit.Abstractions;

namespace ModMesh.Discovery.Tests.Gateway;

/// <summary>
/// A real gateway process in Consul mode against the double, and real cache node processes that register in it: a
/// node that joins takes traffic without a gateway restart; a node whose check turns critical leaves.
/// </summary>
public sealed class GatewayConsulDiscoveryTests(ITestOutputHelper output)
{
    private const string ProbePath = "example.com/discovery/probe/@v/list";

    [Fact]
    public async Task Gateway_NodeJoinsThroughConsul_TakesTrafficWithoutRestart_AndLeavesWhenCritical()
    {
        await using var consul = await ConsulContractDouble.StartAsync();
        await using var upstream = await CacheNodeRegistrationTests.EmptyUpstreamAsync();
        var storage = TempDirectory.CreateUnique("discovery-gateway");
        try
        {
            await using var gateway = await ServiceProcess.StartAsync(ServiceProcess.Services.Gateway, new Dictionary<string, string?>
            {
                ["Gateway__Discovery__Mode"] = "Consul",
                ["Consul__Address"] = consul.Url,
            });
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

            // No instance yet: the gateway has nowhere to send the request.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(client));

            await using var node = await CacheNodeRegistrationTests.StartNodeAsync(consul.Url, upstream, storage);
            Assert.True(await consul.WaitForAsync(s => s.Count == 1, TimeSpan.FromSeconds(10)), node.RecentOutput);
            var registered = Stopwatch.StartNew();
            var serviceId = consul.Services.Keys.Single();

            // The node answers a module nobody has with 404: that answer can only come from the node.
            var joined = await WaitForStatusAsync(client, HttpStatusCode.NotFound, TimeSpan.FromSeconds(15));
            Assert.True(joined, $"the joined node took no traffic{Environment.NewLine}{gateway.RecentOutput}");
            var timeToJoin = registered.Elapsed;

            var critical = Stopwatch.StartNew();
            Assert.True(consul.SetCheckStatus(serviceId, "critical"));
            var left = await WaitForStatusAsync(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
            Assert.True(left, $"the critical node kept taking traffic{Environment.NewLine}{gateway.RecentOutput}");
            var timeToLeave = critical.Elapsed;

            consul.SetCheckStatus(serviceId, "passing");
            Assert.True(await WaitForStatusAsync(client, HttpStatusCode.NotFound, TimeSpan.FromSeconds(10)), "the node did not come back when passing again");
            Assert.False(gateway.HasExited);

            output.WriteLine($"registered → first request served through the gateway: {timeToJoin.TotalMilliseconds:F0} ms (includes the double's first HTTP check)");
            output.WriteLine($"check critical → gateway stops routing to the node: {timeToLeave.TotalMilliseconds:F0} ms");
            Assert.True(timeToJoin < TimeSpan.FromSeconds(5), $"join took {timeToJoin}");
            Assert.True(timeToLeave < TimeSpan.FromSeconds(2), $"leave took {timeToLeave}");
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync(ProbePath);
        return response.StatusCode;
    }

    private static async Task<bool> WaitForStatusAsync(HttpClient client, HttpStatusCode expected, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (await StatusAsync(client) == expected)
            {
                return true;
            }

            await Task.Delay(25);
        }

        return false;
    }
}
