namespace ModMesh.CacheNode.Queries;

/// <summary>How a mutable query was answered.</summary>
public enum QueryStatus
{
    /// <summary>The body is the answer (fresh or stale).</summary>
    Ok,

    /// <summary>Nobody has it: 404.</summary>
    NotFound,

    /// <summary>The upstream failed and nothing is cached: 502.</summary>
    UpstreamError,

    /// <summary>The upstream did not answer in time and nothing is cached: 504.</summary>
    UpstreamTimeout,
}

/// <summary>The answer to list, @latest or a non-canonical .info.</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Body">The bytes to send, for <see cref="QueryStatus.Ok"/>.</param>
/// <param name="Message">Why not, otherwise.</param>
/// <param name="Stale">True when the body is older than its time to live (refresh running, or upstream failing).</param>
public sealed record QueryAnswer(QueryStatus Status, byte[]? Body, string? Message, bool Stale = false);
