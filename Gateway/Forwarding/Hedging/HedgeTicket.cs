using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Forwarding.Hedging;

/// <summary>
/// What <see cref="HedgingHandler"/> needs to know about one forwarded GET/HEAD request, attached to the outgoing
/// request by <see cref="HedgeTicketTransform"/> (and kept in <c>HttpContext.Features</c> for the health policies):
/// the cluster, the node it was sent to, and the path to send again elsewhere. The handler records which node's answer
/// the client got.
/// </summary>
internal sealed class HedgeTicket(ClusterState cluster, DestinationState primary, PathString path, QueryString query)
{
    public static readonly HttpRequestOptionsKey<HedgeTicket> Key = new("ModMesh.HedgeTicket");

    public ClusterState Cluster { get; } = cluster;

    /// <summary>The node the load balancer chose (YARP's <c>ProxiedDestination</c>).</summary>
    public DestinationState Primary { get; } = primary;

    public PathString Path { get; } = path;

    public QueryString Query { get; } = query;

    /// <summary>The node whose answer went to the client when it was not <see cref="Primary"/>: the hedge won.</summary>
    public DestinationState? HedgeWinner { get; set; }

    /// <summary>The node that answered: the hedge's when it won, else the primary.</summary>
    public DestinationState Responder => HedgeWinner ?? Primary;
}
