using Microsoft.AspNetCore.Http;
using ModMesh.Gateway.LoadBalancing;
using ModMesh.Gateway.Tests.Infrastructure;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.LoadBalancing;

public sealed class RendezvousLoadBalancingPolicyTests
{
    private static readonly string[] Modules = Enumerable.Range(0, 1000).Select(i => $"example.com/team{i % 37}/module-{i}").ToArray();

    private static List<DestinationState> Nodes(int count) => Enumerable.Range(0, count).Select(i => new DestinationState($"node{i}")).ToList();

    private static Dictionary<string, string> Assign(IReadOnlyList<DestinationState> nodes) =>
        Modules.ToDictionary(m => m, m => RendezvousLoadBalancingPolicy.Rank(m, nodes)!.DestinationId);

    [Theory]
    [InlineData("/github.com/!azure/sdk/@v/v1.2.3.zip", "github.com/!azure/sdk")]
    [InlineData("/github.com/!azure/sdk/@v/list", "github.com/!azure/sdk")]
    [InlineData("/github.com/!azure/sdk/@latest", "github.com/!azure/sdk")]
    [InlineData("/github.com/a/b/v2/@v/v2.0.0.mod", "github.com/a/b/v2")]
    [InlineData("/sumdb/sum.golang.org/lookup/github.com/a/b@v1.0.0", "sumdb/sum.golang.org/lookup/github.com/a/b@v1.0.0")]
    [InlineData("/", "")]
    public void ModuleKey_FromPath_IsTheModulePath(string path, string expected)
    {
        Assert.Equal(expected, ModuleKey.FromPath(path).ToString());
    }

    [Fact]
    public void PickDestination_SameModule_SameNodeForEveryFileAndListOrder()
    {
        var nodes = Nodes(5);
        var policy = new RendezvousLoadBalancingPolicy();
        var cluster = YarpFakes.Cluster();
        foreach (var module in Modules.Take(100))
        {
            var picks = new[] { $"/{module}/@v/list", $"/{module}/@v/v1.0.0.info", $"/{module}/@v/v1.0.0.zip", $"/{module}/@latest" }
                .Select(path => policy.PickDestination(new DefaultHttpContext { Request = { Path = path } }, cluster, nodes)!.DestinationId)
                .ToList();
            var reversed = policy.PickDestination(new DefaultHttpContext { Request = { Path = $"/{module}/@v/list" } }, cluster, nodes.AsEnumerable().Reverse().ToList())!;
            Assert.Single(picks.Distinct());
            Assert.Equal(picks[0], reversed.DestinationId);
        }
    }

    [Fact]
    public void Rank_ThousandModules_StableAcrossCalls()
    {
        Assert.Equal(Assign(Nodes(5)), Assign(Nodes(5)));
    }

    [Fact]
    public void Rank_KnownValues_DoNotChangeBetweenBuilds()
    {
        // Every gateway replica (and every version of it) must rank nodes the same way: pin a few answers.
        var nodes = Nodes(5);
        var got = string.Join(",", Modules.Take(12).Select(m => RendezvousLoadBalancingPolicy.Rank(m, nodes)!.DestinationId)); Assert.Equal("node0,node0,node1,node2,node1,node3,node1,node0,node3,node2,node3,node3", got);
        var sc = RendezvousHash.Score(RendezvousHash.KeyState("github.com/a/b"), "node0"); Assert.Equal(7494080115692357309UL, sc);
        Assert.NotEqual(RendezvousHash.Score(RendezvousHash.KeyState("ab"), "c"), RendezvousHash.Score(RendezvousHash.KeyState("a"), "bc"));
    }

    [Fact]
    public void Rank_OneOfFiveNodesRemoved_OnlyItsModulesMove()
    {
        var all = Nodes(5);
        var before = Assign(all);
        var removed = all[2];
        var after = Assign(all.Where(n => n != removed).ToList());

        foreach (var module in Modules)
        {
            if (before[module] == removed.DestinationId)
            {
                Assert.NotEqual(removed.DestinationId, after[module]);
            }
            else
            {
                Assert.Equal(before[module], after[module]);
            }
        }

        // And they move to their second choice, spread over the remaining nodes rather than onto one neighbour.
        var moved = Modules.Where(m => before[m] == removed.DestinationId).ToList();
        Assert.True(moved.Select(m => after[m]).Distinct().Count() == 4, "the removed node's modules spread over all four others");
    }

    [Fact]
    public void Rank_ThousandModulesOverFiveNodes_RoughlyEven()
    {
        var counts = Assign(Nodes(5)).GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(5, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 150, 250)); // expected 200 each, σ ≈ 12.6
    }

    [Fact]
    public void Rank_NodeAdded_TakesAboutAFifthAndNothingElseMoves()
    {
        var four = Assign(Nodes(4));
        var five = Assign(Nodes(5));
        var moved = Modules.Where(m => four[m] != five[m]).ToList();
        Assert.All(moved, m => Assert.Equal("node4", five[m]));
        Assert.InRange(moved.Count, 150, 250);
    }

    [Fact]
    public void PickDestination_NoneOrOne_ReturnsNullOrIt()
    {
        var policy = new RendezvousLoadBalancingPolicy();
        var context = new DefaultHttpContext { Request = { Path = "/a/@v/list" } };
        Assert.Null(policy.PickDestination(context, YarpFakes.Cluster(), []));
        var only = new DestinationState("only");
        Assert.Same(only, policy.PickDestination(context, YarpFakes.Cluster(), [only]));
    }
}
