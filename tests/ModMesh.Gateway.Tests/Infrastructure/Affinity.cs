using ModMesh.Gateway.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.Infrastructure;

internal static class Affinity
{
    /// <summary>A module path whose rendezvous first choice among <paramref name="nodeIds"/> is <paramref name="preferred"/>.</summary>
    public static string ModuleRankedFirstOn(string preferred, IReadOnlyList<string> nodeIds, string prefix = "example.com/affinity")
    {
        var nodes = nodeIds.Select(id => new DestinationState(id)).ToList();
        for (var i = 0; ; i++)
        {
            var module = $"{prefix}{i}";
            if (RendezvousLoadBalancingPolicy.Rank(module, nodes)!.DestinationId == preferred)
            {
                return module;
            }
        }
    }
}
