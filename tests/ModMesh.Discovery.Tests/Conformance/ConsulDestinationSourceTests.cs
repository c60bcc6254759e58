using ModMesh.TestSupport.Consul;

namespace ModMesh.Discovery.Tests.Conformance;

/// <summary>Consul mode against the contract double: instances registered and removed; the agent answering 500 is the error case.</summary>
public sealed class ConsulDestinationSourceTests : DestinationSourceConformanceTests
{
    protected override async Task<DestinationSourceHarness> StartAsync(IReadOnlyList<int> nodes)
    {
        var harness = new Harness(await ConsulContractDouble.StartAsync());
        await harness.StartAsync(nodes);
        return harness;
    }

    private sealed class Harness(ConsulContractDouble consul) : DestinationSourceHarness
    {
        private const string Service = "modmesh-cachenode";

        public override string AddressOf(int node) => $"http://127.0.0.1:{9000 + node}";

        public async Task StartAsync(IReadOnlyList<int> nodes)
        {
            await SetNodesAsync(nodes);
            await StartHostAsync(new ReloadableConfiguration(new Dictionary<string, string?>
            {
                ["Consul:Address"] = consul.Url,
                ["Gateway:Discovery:Mode"] = "Consul",
                ["Gateway:Discovery:Consul:Service"] = Service,
                // Short blocking queries, so the quiet-period test also covers a query that timed out unchanged.
                ["Gateway:Discovery:Consul:Wait"] = "00:00:01",
                ["Gateway:Discovery:Consul:RetryDelay"] = "00:00:00.100",
                ["Gateway:Discovery:Consul:MaxRetryDelay"] = "00:00:00.400",
            }));
        }

        public override Task SetNodesAsync(IReadOnlyList<int> nodes)
        {
            foreach (var id in consul.Services.Keys.Where(id => !nodes.Contains(int.Parse(id[4..], System.Globalization.CultureInfo.InvariantCulture))))
            {
                consul.Deregister(id);
            }

            foreach (var node in nodes)
            {
                if (!consul.Services.ContainsKey($"node{node}"))
                {
                    consul.Register($"node{node}", Service, "127.0.0.1", 9000 + node);
                }
            }

            return Task.CompletedTask;
        }

        public override Task BreakAsync()
        {
            consul.Fail = true;
            return Task.CompletedTask;
        }

        public override Task RepairAsync()
        {
            consul.Fail = false;
            return Task.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await consul.DisposeAsync();
        }
    }
}
