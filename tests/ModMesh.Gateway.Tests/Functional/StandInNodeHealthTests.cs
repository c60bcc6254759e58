using System.Net;
using ModMesh.Gateway.Forwarding.Hedging;
using ModMesh.Gateway.LoadBalancing;
using ModMesh.Gateway.Tests.Infrastructure;
using ModMesh.Protocol;
using Xunit.Abstractions;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.Functional;

/// <summary>
/// A real in-process gateway under steady load in front of three stand-in nodes the test controls: one of them starts
/// answering 503, or hangs, and is taken out after max_fails while clients see no failure (retries cover it); or
/// every node blames the module's upstream, and none is taken out.
/// </summary>
public sealed class StandInNodeHealthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<StandInNode> _nodes = [];

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(await StandInNode.StartAsync($"n{i}"));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private static string[] Paths() => Enumerable.Range(0, 60).Select(i => $"/example.com/standin/m{i}/@v/v1.0.0.info").ToArray();

    [Theory]
    [InlineData(StandInMode.ServiceUnavailable)]
    [InlineData(StandInMode.NodeUnavailable)]
    [InlineData(StandInMode.BadGateway)]
    [InlineData(StandInMode.Hang)]
    public async Task FailingNode_UnderLoad_EjectedAfterMaxFailsWithoutClientErrors(StandInMode failure)
    {
        var settings = TestGateway.FastHealth();
        settings["Gateway:ActivityTimeout"] = "00:00:01";
        settings["Gateway:FailTimeout"] = "00:00:03";
        await using var gateway = await TestGateway.StartAsync(_nodes.Select(n => n.Url).ToList(), settings);
        var bad = _nodes[1];
        var badId = gateway.IdOf(bad.Url);
        await using var load = LoadLoop.Start(gateway.BaseAddress, Paths());
        await Task.Delay(500);

        var before = bad.Failed;
        bad.Mode = failure; // readiness stays 200: only the passive policy can see it
        var toEject = await Wait.UntilAsync(() => gateway.Node(badId).Health.Passive == Yarp.ReverseProxy.Model.DestinationHealth.Unhealthy, TimeSpan.FromSeconds(10), "the failing node is out");
        var failedBeforeEject = bad.Failed - before;
        var servedAtEject = bad.Requests;
        await Task.Delay(1000);
        var servedWhileOut = bad.Requests - servedAtEject;

        // After fail_timeout, one trial request; it fails, so the node is out again at once.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var trials = bad.Requests - servedAtEject;
        await load.StopAsync();

        output.WriteLine($"{failure}: out after {toEject.TotalMilliseconds:F0} ms and {failedBeforeEject} failed requests (max_fails 3, 8 concurrent loops); " +
            $"{servedWhileOut} requests reached it in the next 1 s; {trials} trial request(s) after fail_timeout; retries {gateway.Retries}");
        output.WriteLine($"load: {load.Summary()}");
        Assert.True(load.Errors == 0, string.Join(Environment.NewLine, load.ErrorSamples));
        var hang = failure == StandInMode.Hang;
        if (!hang)
        {
            // max_fails, plus requests already in flight (one per loop at most) when the third failure lands; after
            // it, at most the requests each loop had dispatched before the ejection became visible.
            Assert.InRange(failedBeforeEject, 3, 3 + 8);
            Assert.InRange(servedWhileOut, 0, 8);
            Assert.InRange(trials, 1, 8); // a 503 fails the trial at once
            return;
        }

        // A hanging node: each loop has at most one request caught on it at a time, and a caught request is hedged to
        // the next node after at least the hedge delay's floor, so before the ejection at most
        // loops × (time to eject / floor + 1) requests reached it. Clients only see the hedge delay.
        var floor = new HedgingOptions().MinDelay;
        Assert.InRange(failedBeforeEject, 3, 8 * ((int)(toEject / floor) + 1));
        Assert.InRange(servedWhileOut, 0, 8); // requests dispatched before the ejection was visible
        Assert.InRange(trials, 1, 3 * 8);
        Assert.True(load.Percentile(99) < 2000, $"p99 {load.Percentile(99):F0} ms");
        Assert.True(gateway.Hedges > 0, "requests caught on the hanging node were hedged");
    }

    [Fact]
    public async Task FrozenNode_UnderLoad_DefaultSettings_OutWithinAboutTwoSeconds_NoFailedRequests_P99UnderTwoSeconds()
    {
        // The production defaults: probes every 1 s with a 1 s timeout, one timeout ejects; activity timeout 100 s,
        // so a request caught on the frozen node can only escape by the hedge (or the move when the node is out).
        var defaults = new GatewayOptions();
        await using var gateway = await TestGateway.StartAsync(_nodes.Select(n => n.Url).ToList());
        await Wait.UntilAsync(() => gateway.Nodes().Count == 3 && gateway.Nodes().All(n => gateway.IsIn(n.DestinationId)), TimeSpan.FromSeconds(10), "every node is in");
        var frozen = _nodes[1];
        var frozenId = gateway.IdOf(frozen.Url);
        await using var load = LoadLoop.Start(gateway.BaseAddress, Paths());
        await Task.Delay(1000); // recent latencies for the hedge delay

        var before = frozen.Requests;
        frozen.Mode = StandInMode.Frozen; // accepts, never answers: requests and probes alike
        var toOut = await Wait.UntilAsync(() => gateway.IsOut(frozenId), TimeSpan.FromSeconds(10), "the frozen node is out");
        var caught = frozen.Requests - before;
        await Task.Delay(2000);
        await load.StopAsync();

        var budgeted = gateway.Hedges - gateway.HedgesMoved;
        output.WriteLine($"frozen: out after {toOut.TotalMilliseconds:F0} ms (probe every {defaults.HealthProbeInterval.TotalSeconds:F0} s, " +
            $"timeout {defaults.HealthProbeTimeout.TotalSeconds:F0} s); {caught} requests reached it before; hedges {gateway.Hedges} " +
            $"({gateway.HedgesMoved} moved, {gateway.HedgesWon} won); retries {gateway.Retries}");
        output.WriteLine($"load: {load.Summary()}");
        Assert.True(load.Errors == 0, string.Join(Environment.NewLine, load.ErrorSamples));
        Assert.True(load.Percentile(99) < 2000, $"p99 {load.Percentile(99):F0} ms");
        // The next probe starts within an interval of the freeze and times out a probe timeout later (measured: 1.0 to
        // 2.0 s); one more interval and a second of slack for a busy machine's timers.
        Assert.True(toOut <= (2 * defaults.HealthProbeInterval) + defaults.HealthProbeTimeout + TimeSpan.FromSeconds(1), $"out after {toOut.TotalMilliseconds:F0} ms");
        // Bounded: at most one hedge per request, and outside moves at most the burst plus 10% of requests.
        Assert.InRange(gateway.Hedges, 1, load.Requests);
        Assert.InRange(budgeted, 0, defaults.Hedging.BudgetBurst + (long)Math.Ceiling(load.Requests * defaults.Hedging.BudgetPercent / 100));
    }

    [Fact]
    public async Task DrainingNode_ItsFirstAnswerTakesItOut_TheClientGetsTheAnswerWithoutTheSignal()
    {
        var settings = TestGateway.FastHealth();
        settings["Gateway:HealthProbeInterval"] = "00:01:00"; // only the answer can take it out in this test
        await using var gateway = await TestGateway.StartAsync(_nodes.Select(n => n.Url).ToList(), settings);
        await Wait.UntilAsync(() => gateway.Nodes().Count == 3 && gateway.Nodes().All(n => gateway.IsIn(n.DestinationId)), TimeSpan.FromSeconds(10), "every node is in");
        var draining = _nodes[2];
        var drainingId = gateway.IdOf(draining.Url);
        var module = gateway.ModuleServedBy(draining.Url, "example.com/drain/m");
        using var client = LoadLoop.NewClient(gateway.BaseAddress);

        // Its probes keep answering 200: a first probe round still running from the gateway's start must not be what
        // takes it out here (the probe path is covered by the policy's own tests).
        draining.DrainSignalOnProbes = false;
        draining.Mode = StandInMode.Draining;
        using (var first = await client.GetAsync($"/{module}/@v/v1.0.0.info"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.StartsWith($"node:{draining.Name} ", await first.Content.ReadAsStringAsync()); // still a good answer
            Assert.False(first.Headers.Contains(ModMesh.ServiceDefaults.Draining.DrainSignal.HeaderName));
        }

        Assert.True(gateway.IsOut(drainingId), "out as soon as its first draining answer went through");
        await Wait.UntilAsync(() => !gateway.IsAvailable(drainingId), TimeSpan.FromSeconds(5),
            "YARP has recomputed the available nodes: " + string.Join("; ", gateway.Nodes().Select(n => $"{n.DestinationId} {n.Health.Active}/{n.Health.Passive} available={gateway.IsAvailable(n.DestinationId)}")));
        using var next = await client.GetAsync($"/{module}/@v/v1.0.0.info");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.DoesNotContain($"node:{draining.Name} ", await next.Content.ReadAsStringAsync()); // the next node in rank
        Assert.Equal(1, draining.Requests);
    }

    [Theory]
    [InlineData(StandInMode.UpstreamFailed, HttpStatusCode.BadGateway)]
    [InlineData(StandInMode.UpstreamTimedOut, HttpStatusCode.GatewayTimeout)]
    public async Task UpstreamOutage_EveryNodeBlamesUpstream_NoNodeEjectedAndNothingRetried(StandInMode outage, HttpStatusCode status)
    {
        var settings = TestGateway.FastHealth();
        settings["Gateway:FailTimeout"] = "00:01:00"; // an ejection would still show when the test looks
        await using var gateway = await TestGateway.StartAsync(_nodes.Select(n => n.Url).ToList(), settings);
        await Wait.UntilAsync(() => gateway.Nodes().Count == 3 && gateway.Nodes().All(n => gateway.IsIn(n.DestinationId)), TimeSpan.FromSeconds(10), "every node is in");
        var modules = Enumerable.Range(0, 60).Select(i => $"example.com/outage/m{i}").ToArray();
        var ids = _nodes.Select(n => gateway.IdOf(n.Url)).ToList();
        var states = ids.Select(id => new DestinationState(id)).ToList();
        var owner = modules.ToDictionary(m => m, m => ids.IndexOf(RendezvousLoadBalancingPolicy.Rank(m, states)!.DestinationId));
        var expected = Enumerable.Range(0, 3).Select(n => owner.Values.Count(o => o == n)).ToArray();
        Assert.All(expected, share => Assert.True(share > 0));
        foreach (var node in _nodes)
        {
            node.Mode = outage;
        }

        // Many requests across many modules, 4 at a time: well past max_fails (3) on every node.
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(loop => Task.Run(async () =>
        {
            var seen = new List<(HttpStatusCode, string?)>();
            for (var i = loop; i < modules.Length; i += 4)
            {
                using var response = await client.GetAsync($"/{modules[i]}/@v/v1.0.0.info");
                seen.Add((response.StatusCode, response.Headers.TryGetValues(FailureBlame.HeaderName, out var blame) ? blame.Single() : null));
            }

            return seen;
        })));

        var during = _nodes.Select(n => n.Requests).ToArray();
        output.WriteLine($"{outage}: requests per node {string.Join(" / ", during)} (rendezvous shares {string.Join(" / ", expected)}); retries {gateway.Retries}");
        Assert.All(answers.SelectMany(a => a), answer => Assert.Equal((status, FailureBlame.Upstream), answer));
        Assert.Equal(expected, during); // each request reached exactly one node: its rendezvous first choice
        Assert.Equal(0, gateway.Retries);
        Assert.All(ids, id => Assert.True(gateway.IsIn(id), $"{id} is out"));

        // The outage ends: every node still gets its rendezvous share.
        foreach (var node in _nodes)
        {
            node.Mode = StandInMode.Normal;
        }

        foreach (var module in modules)
        {
            using var response = await client.GetAsync($"/{module}/@v/v1.0.0.info");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith($"node:{_nodes[owner[module]].Name} ", await response.Content.ReadAsStringAsync());
        }
    }
}
