using System.Net;
using ModMesh.TestSupport.Dns;

namespace ModMesh.Discovery.Tests.Conformance;

/// <summary>Dns mode with A records (a headless service's pod IPs) and the configured port; SERVFAIL is the error case.</summary>
public sealed class DnsDestinationSourceTests : DestinationSourceConformanceTests
{
    protected override async Task<DestinationSourceHarness> StartAsync(IReadOnlyList<int> nodes)
    {
        var harness = new DnsHarness(srv: false, LoopbackDnsServer.FailureMode.ServerFailure);
        await harness.StartAsync(nodes);
        return harness;
    }

    [Fact]
    public async Task Refresh_NameLosesAllRecords_KeepsTheLastGoodSet()
    {
        await using var harness = new DnsHarness(srv: false, LoopbackDnsServer.FailureMode.ServerFailure);
        await harness.StartAsync([0, 1]);
        await harness.WaitForAsync([0, 1], ChangeBound);

        await harness.SetNodesAsync([]);
        await Task.Delay(harness.QuietPeriod);

        Assert.Equal(harness.Expected([0, 1]), harness.Addresses());
    }
}

/// <summary>Dns mode with SRV records (target and port per instance); a resolver that never answers is the error case.</summary>
public sealed class DnsSrvDestinationSourceTests : DestinationSourceConformanceTests
{
    protected override async Task<DestinationSourceHarness> StartAsync(IReadOnlyList<int> nodes)
    {
        var harness = new DnsHarness(srv: true, LoopbackDnsServer.FailureMode.NoAnswer);
        await harness.StartAsync(nodes);
        return harness;
    }
}

internal sealed class DnsHarness(bool srv, LoopbackDnsServer.FailureMode failure) : DestinationSourceHarness
{
    private const string Name = "modmesh-cachenode.modmesh.svc.cluster.local";
    private const string SrvName = "_http._tcp." + Name;
    private readonly LoopbackDnsServer _dns = LoopbackDnsServer.Start();

    public override string AddressOf(int node) => srv ? $"http://127.0.0.1:{9000 + node}" : $"http://127.0.0.{10 + node}:8080";

    public async Task StartAsync(IReadOnlyList<int> nodes)
    {
        await SetNodesAsync(nodes);
        await StartHostAsync(new ReloadableConfiguration(new Dictionary<string, string?>
        {
            ["Gateway:Discovery:Mode"] = "Dns",
            ["Gateway:Discovery:Dns:Name"] = srv ? SrvName : Name,
            ["Gateway:Discovery:Dns:Srv"] = srv ? "true" : "false",
            ["Gateway:Discovery:Dns:Port"] = "8080",
            ["Gateway:Discovery:Dns:Servers:0"] = _dns.Endpoint,
            ["Gateway:Discovery:Dns:RefreshInterval"] = "00:00:00.200",
            ["Gateway:Discovery:Dns:QueryTimeout"] = "00:00:00.200",
        }));
    }

    public override Task SetNodesAsync(IReadOnlyList<int> nodes)
    {
        if (srv)
        {
            foreach (var node in nodes)
            {
                _dns.SetAddresses($"pod{node}.{Name}", [IPAddress.Loopback]);
            }

            _dns.SetSrv(SrvName, nodes.Select(n => ($"pod{n}.{Name}", 9000 + n)));
        }
        else
        {
            _dns.SetAddresses(Name, nodes.Select(n => IPAddress.Parse($"127.0.0.{10 + n}")));
        }

        return Task.CompletedTask;
    }

    public override Task BreakAsync()
    {
        _dns.Failure = failure;
        return Task.CompletedTask;
    }

    public override Task RepairAsync()
    {
        _dns.Failure = LoopbackDnsServer.FailureMode.None;
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _dns.DisposeAsync();
    }
}
