using System.Diagnostics;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Consul;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Discovery.Tests.Consul;

/// <summary>A real CacheNode process registering with the Consul double (Consul__Address set) and leaving on SIGTERM.</summary>
public sealed class CacheNodeRegistrationTests
{
    internal static async Task<ServiceProcess> StartNodeAsync(string consulUrl, LoopbackWebServer upstream, string storage, IDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = upstream.Url,
            ["ModMesh__Storage__Path"] = storage,
            ["ModMesh__Private"] = "",
            ["ModMesh__NoSumDb"] = "*",
            ["Consul__Address"] = consulUrl,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return await ServiceProcess.StartAsync(ServiceProcess.Services.CacheNode, environment);
    }

    /// <summary>An upstream GOPROXY that knows no module: every request is 404.</summary>
    internal static Task<LoopbackWebServer> EmptyUpstreamAsync() => LoopbackWebServer.StartAsync(c =>
    {
        c.Response.StatusCode = 404;
        return Task.CompletedTask;
    });

    [Fact]
    public async Task CacheNode_ConsulAddressSet_RegistersItsPortAndCheck_AndDeregistersOnSigterm()
    {
        await using var consul = await ConsulContractDouble.StartAsync();
        await using var upstream = await EmptyUpstreamAsync();
        var storage = TempDirectory.CreateUnique("discovery-node");
        try
        {
            await using var node = await StartNodeAsync(consul.Url, upstream, storage);

            Assert.True(await consul.WaitForAsync(s => s.Values.Any(v => v.CheckStatus == "passing"), TimeSpan.FromSeconds(15)),
                $"no passing registration; requests: {string.Join(" | ", consul.Requests.Select(r => r.Method + " " + r.PathAndQuery + " " + r.Body))}{Environment.NewLine}{node.RecentOutput}");
            var service = Assert.Single(consul.Services).Value;
            var port = node.BaseAddress.Port;
            Assert.Equal($"modmesh-cachenode-{Environment.MachineName.ToLowerInvariant()}-{port}", service.Id);
            Assert.Equal(("modmesh-cachenode", "127.0.0.1", port), (service.Name, service.Address, service.Port));
            Assert.Equal($"http://127.0.0.1:{port}/health/ready", service.CheckHttp);
            Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1)), (service.CheckInterval, service.DeregisterCriticalServiceAfter!.Value));

            // SIGTERM starts the drain: the node deregisters at once and keeps serving for the drain delay.
            var stopping = node.StopAsync(TimeSpan.FromSeconds(20));
            Assert.True(await consul.WaitForAsync(s => s.Count == 0, TimeSpan.FromSeconds(5)), node.RecentOutput);
            var deregisteredWhileServing = !node.HasExited;
            Assert.True(await stopping, "the node did not exit on SIGTERM");

            Assert.True(deregisteredWhileServing, "the node deregistered only after it exited");
            Assert.Contains(consul.Requests, r => r.Method == "PUT" && r.PathAndQuery == $"/v1/agent/service/deregister/{service.Id}");
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    [Fact]
    public async Task CacheNode_ConsulUnreachableAtStart_ServesAnywayAndRegistersOnceConsulIsUp()
    {
        var consulPort = ServiceProcess.FreeLoopbackPort();
        await using var upstream = await EmptyUpstreamAsync();
        var storage = TempDirectory.CreateUnique("discovery-node");
        try
        {
            await using var node = await StartNodeAsync($"http://127.0.0.1:{consulPort}", upstream, storage, new Dictionary<string, string?>
            {
                ["Consul__RetryDelay"] = "00:00:00.200",
                ["Consul__MaxRetryDelay"] = "00:00:00.500",
            });
            await Task.Delay(1000);
            Assert.False(node.HasExited);
            Assert.Contains("Registering", node.RecentOutput, StringComparison.Ordinal);

            await using var consul = await ConsulContractDouble.StartAsync(consulPort);
            var stopwatch = Stopwatch.StartNew();

            Assert.True(await consul.WaitForAsync(s => s.Count == 1, TimeSpan.FromSeconds(10)), node.RecentOutput);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"registration took {stopwatch.Elapsed}");
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }
}
