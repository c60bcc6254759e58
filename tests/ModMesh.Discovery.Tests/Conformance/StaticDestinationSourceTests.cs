namespace ModMesh.Discovery.Tests.Conformance;

/// <summary>Static mode: "Gateway:Nodes", changed by a configuration reload; a reload with an unusable list is the error case.</summary>
public sealed class StaticDestinationSourceTests : DestinationSourceConformanceTests
{
    protected override async Task<DestinationSourceHarness> StartAsync(IReadOnlyList<int> nodes)
    {
        var harness = new Harness();
        await harness.StartAsync(nodes);
        return harness;
    }

    private sealed class Harness : DestinationSourceHarness
    {
        private ReloadableConfiguration? _configuration;

        public override TimeSpan QuietPeriod => TimeSpan.FromSeconds(0.5);

        public override string AddressOf(int node) => $"http://127.0.0.1:{9000 + node}";

        public Task StartAsync(IReadOnlyList<int> nodes)
        {
            _configuration = new ReloadableConfiguration(Values(nodes));
            return StartHostAsync(_configuration);
        }

        public override Task SetNodesAsync(IReadOnlyList<int> nodes)
        {
            _configuration!.Replace(Values(nodes));
            return Task.CompletedTask;
        }

        // An edited file that lost its nodes, then one with a typo: both are rejected.
        public override Task BreakAsync()
        {
            _configuration!.Replace(new Dictionary<string, string?>());
            _configuration.Replace(new Dictionary<string, string?> { ["Gateway:Nodes:0"] = "127.0.0.1:9000" });
            return Task.CompletedTask;
        }

        public override Task RepairAsync() => Task.CompletedTask;

        private Dictionary<string, string?> Values(IReadOnlyList<int> nodes)
        {
            var values = new Dictionary<string, string?>();
            for (var i = 0; i < nodes.Count; i++)
            {
                values[$"Gateway:Nodes:{i}"] = AddressOf(nodes[i]);
            }

            return values;
        }
    }
}
