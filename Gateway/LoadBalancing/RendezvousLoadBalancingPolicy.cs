using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.LoadBalancing;

/// <summary>
/// Rendezvous (highest-random-weight) hashing on the module path: every node gets a score hash(module, node id)
/// and the highest-scoring available node serves. One module's requests therefore meet the same node's local tier;
/// when that node is out (YARP passes only available nodes), the next in rank serves, and only that node's modules
/// move — every other module keeps its node. Adding a node takes over about 1/N of the modules, from every node.
/// </summary>
/// <remarks>
/// Scores hash the destination id, so ids must be stable for a node (discovery should derive them from the node's
/// identity or address, not from its position in a list).
/// </remarks>
internal sealed class RendezvousLoadBalancingPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "Rendezvous";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        return Rank(ModuleKey.FromPath(context.Request.Path.Value), availableDestinations);
    }

    /// <summary>The highest-ranked node of <paramref name="destinations"/> for <paramref name="key"/>; null when empty.</summary>
    internal static DestinationState? Rank(ReadOnlySpan<char> key, IReadOnlyList<DestinationState> destinations)
    {
        if (destinations.Count <= 1)
        {
            return destinations.Count == 0 ? null : destinations[0];
        }

        var keyState = RendezvousHash.KeyState(key);
        DestinationState? best = null;
        var bestScore = 0UL;
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            var score = RendezvousHash.Score(keyState, destination.DestinationId);
            // Ties (astronomically rare) go to the ordinally smaller id, so the choice never depends on list order.
            if (best is null || score > bestScore ||
                (score == bestScore && string.CompareOrdinal(destination.DestinationId, best.DestinationId) < 0))
            {
                best = destination;
                bestScore = score;
            }
        }

        return best;
    }
}
