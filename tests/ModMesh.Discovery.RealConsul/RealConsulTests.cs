using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using ModMesh.Discovery.Consul;
using ModMesh.Discovery.Tests.Conformance;
using ModMesh.TestSupport.Net;

namespace ModMesh.Discovery.RealConsul;

/// <summary>The discovery conformance suite against a real Consul (through a relay that injects the outage).</summary>
[Collection(ConsulCollection.Name)]
public sealed class RealConsulDestinationSourceTests(ConsulContainerFixture consul) : DestinationSourceConformanceTests
{
    protected override async Task<DestinationSourceHarness> StartAsync(IReadOnlyList<int> nodes)
    {
        var harness = new Harness(consul);
        await harness.StartAsync(nodes);
        return harness;
    }

    private sealed class Harness(ConsulContainerFixture consul) : DestinationSourceHarness
    {
        // A service name of its own per test: the agent is shared by the run.
        private readonly string _service = "conformance-" + Guid.NewGuid().ToString("N")[..8];
        private readonly TcpRelay _relay = new(new IPEndPoint(IPAddress.Loopback, consul.Port));
        private readonly ConsulClient _client = new(ConsulClient.CreateHttpClient(), Options.Create(new ConsulOptions { Address = new Uri(consul.Url) }));
        private readonly HashSet<int> _registered = [];

        public override string AddressOf(int node) => $"http://127.0.0.1:{9000 + node}";

        public async Task StartAsync(IReadOnlyList<int> nodes)
        {
            await SetNodesAsync(nodes);
            await StartHostAsync(new ReloadableConfiguration(new Dictionary<string, string?>
            {
                ["Consul:Address"] = _relay.Url,
                ["Gateway:Discovery:Mode"] = "Consul",
                ["Gateway:Discovery:Consul:Service"] = _service,
                ["Gateway:Discovery:Consul:Wait"] = "00:00:01",
                ["Gateway:Discovery:Consul:RetryDelay"] = "00:00:00.100",
                ["Gateway:Discovery:Consul:MaxRetryDelay"] = "00:00:00.400",
            }));
        }

        public override async Task SetNodesAsync(IReadOnlyList<int> nodes)
        {
            foreach (var gone in _registered.Except(nodes).ToList())
            {
                await _client.DeregisterServiceAsync($"{_service}-{gone}", CancellationToken.None);
                _registered.Remove(gone);
            }

            foreach (var node in nodes.Except(_registered).ToList())
            {
                await _client.RegisterServiceAsync(new ConsulServiceRegistration
                {
                    ID = $"{_service}-{node}",
                    Name = _service,
                    Address = "127.0.0.1",
                    Port = 9000 + node,
                }, CancellationToken.None);
                _registered.Add(node);
            }
        }

        public override Task BreakAsync()
        {
            _relay.Broken = true;
            return Task.CompletedTask;
        }

        public override Task RepairAsync()
        {
            _relay.Broken = false;
            return Task.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await SetNodesAsync([]);
            await _relay.DisposeAsync();
        }
    }
}

/// <summary>The typed client's documented calls against the real agent.</summary>
[Collection(ConsulCollection.Name)]
public sealed class RealConsulClientTests(ConsulContainerFixture consul)
{
    private readonly ConsulClient _client = new(ConsulClient.CreateHttpClient(), Options.Create(new ConsulOptions { Address = new Uri(consul.Url) }));

    [Fact]
    public async Task Register_Query_Deregister_RoundTrip()
    {
        var service = "roundtrip-" + Guid.NewGuid().ToString("N")[..8];
        await _client.RegisterServiceAsync(new ConsulServiceRegistration
        {
            ID = service + "-1",
            Name = service,
            Address = "10.0.0.1",
            Port = 8080,
            Tags = ["v1"],
            Meta = new() { ["scheme"] = "http" },
        }, CancellationToken.None);

        var result = await _client.GetPassingServiceAsync(service, 0, TimeSpan.FromSeconds(1), CancellationToken.None);

        var entry = Assert.Single(result.Value);
        Assert.Equal((service + "-1", "10.0.0.1", 8080), (entry.Service.ID, entry.Service.Address, entry.Service.Port));
        Assert.Equal("http", entry.Service.Meta!["scheme"]);
        Assert.True(result.Index > 0);
        Assert.True(await _client.DeregisterServiceAsync(service + "-1", CancellationToken.None));
        Assert.False(await _client.DeregisterServiceAsync(service + "-1", CancellationToken.None));
    }

    [Fact]
    public async Task Register_EmptyName_Is400()
    {
        var e = await Assert.ThrowsAsync<ConsulException>(() =>
            _client.RegisterServiceAsync(new ConsulServiceRegistration { Name = "" }, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
    }

    [Fact]
    public async Task HttpCheckFailing_InstanceIsNotPassing()
    {
        var service = "critical-" + Guid.NewGuid().ToString("N")[..8];
        await _client.RegisterServiceAsync(new ConsulServiceRegistration
        {
            ID = service + "-1",
            Name = service,
            Address = "127.0.0.1",
            Port = 1,
            Check = new ConsulCheckDefinition { HTTP = "http://127.0.0.1:1/health/ready", Interval = "1s", Timeout = "1s", DeregisterCriticalServiceAfter = "1m" },
        }, CancellationToken.None);
        try
        {
            var result = await _client.GetPassingServiceAsync(service, 0, TimeSpan.FromSeconds(1), CancellationToken.None);

            Assert.Empty(result.Value);
        }
        finally
        {
            await _client.DeregisterServiceAsync(service + "-1", CancellationToken.None);
        }
    }

    [Fact]
    public async Task BlockingQuery_ReturnsWhenTheServiceChanges()
    {
        var service = "blocking-" + Guid.NewGuid().ToString("N")[..8];
        var first = await _client.GetPassingServiceAsync(service, 0, TimeSpan.FromSeconds(10), CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();
        var blocking = _client.GetPassingServiceAsync(service, first.Index, TimeSpan.FromSeconds(10), CancellationToken.None);
        await Task.Delay(300);
        Assert.False(blocking.IsCompleted);

        await _client.RegisterServiceAsync(new ConsulServiceRegistration { ID = service + "-1", Name = service, Address = "127.0.0.1", Port = 9000 }, CancellationToken.None);
        var second = await blocking.WaitAsync(TimeSpan.FromSeconds(8));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(8));
        Assert.Single(second.Value);
        await _client.DeregisterServiceAsync(service + "-1", CancellationToken.None);
    }
}
