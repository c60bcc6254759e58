namespace ModMesh.Protocol;

/// <summary>
/// Whose failure a cache node's 5xx answer is, told to the gateway in the <see cref="HeaderName"/> response header.
/// The gateway's passive health counts only the node's own failures; an upstream's failure ejects no node and is not
/// retried on another (fills are cluster-wide: a second node would ask the same upstream again).
/// </summary>
public static class FailureBlame
{
    /// <summary>The response header carrying the blame, on every 5xx a node sends and never on a 2xx/4xx.</summary>
    public const string HeaderName = "ModMesh-Failure";

    /// <summary>The node's own condition (overloaded, draining, storage down, a fill not readable yet): a 503.</summary>
    public const string Node = "node";

    /// <summary>The module's upstream failed, timed out or sent content the node refused: a 502 or 504.</summary>
    public const string Upstream = "upstream";
}
