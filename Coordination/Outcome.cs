namespace ModMesh.Coordination;

/// <summary>
/// The one vocabulary of how a step of the proxy ended (an upstream answer, a fill, a query, a fill job), shared by
/// the node, the fetcher and the coordinators (it travels in "filled" events). Each kind has exactly one HTTP
/// status, and one place says which (the fill library's <c>OutcomeHttp</c>).
/// </summary>
public enum OutcomeKind
{
    /// <summary>Done: the file is committed, or the upstream answered 200.</summary>
    Ok,

    /// <summary>Not there: every upstream said 404/410, or the request can name nothing that exists (404).</summary>
    NotFound,

    /// <summary>The request itself is malformed (400). Never counted against a node.</summary>
    BadRequest,

    /// <summary>An upstream answered, but what it sent was refused by the checks (zip rules, sizes, JSON, checksums): 502.</summary>
    Rejected,

    /// <summary>The upstream failed (error status, transport failure, bad redirect): 502.</summary>
    UpstreamFailed,

    /// <summary>The upstream did not answer, or not fast enough: 504.</summary>
    UpstreamTimeout,

    /// <summary>This node (or fetcher) is at its fill capacity: 503 with Retry-After, the node's own condition.</summary>
    Overloaded,

    /// <summary>The blob store could not be read or written: 503 with Retry-After, the node's own condition.</summary>
    StorageUnavailable,

    /// <summary>The fill goes on but the wait for it ran out: 503 with Retry-After.</summary>
    Pending,
}

/// <summary>How a step ended, with a message fit for a client (no local paths, addresses or credentials).</summary>
public sealed record Outcome(OutcomeKind Kind, string? Message = null)
{
    /// <summary>Done.</summary>
    public static Outcome Ok { get; } = new(OutcomeKind.Ok);

    /// <summary>Nothing was heard in time.</summary>
    public static Outcome Pending { get; } = new(OutcomeKind.Pending, "timed out waiting for the fill");

    /// <summary>True when a waiter should keep waiting or look again (nothing final was said).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsPending => Kind == OutcomeKind.Pending;
}
