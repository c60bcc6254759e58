using System.Net;
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
        // max_fails, plus requests already in flight when it reached 3. A hanging node holds every request for the
        // activity timeout, so on a loaded machine each of the 8 loops can have one request counted late and one more
        // on its way when the third failure lands (measured: up to 15 before ejection, up to 2 arriving after it).
        var hang = failure == StandInMode.Hang;
        Assert.InRange(failedBeforeEject, 3, hang ? 3 + (2 * 8) : 3 + 8);
        Assert.InRange(servedWhileOut, 0, hang ? 8 : 0);
        // A 503 fails the trial at once; a hanging node collects up to one request per loop before the first times out.
        Assert.InRange(trials, 1, failure == StandInMode.Hang ? 3 * 8 : 8);
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
