namespace ModMesh.Gateway.Forwarding;

/// <summary>
/// Per-request retry state, kept in <c>HttpContext.Features</c> by <see cref="RetryOnAnotherNodeMiddleware"/> and read
/// by <see cref="RetryResponseTransform"/>.
/// </summary>
internal sealed class RetryAttempt
{
    /// <summary>True while the current attempt may still be retried (an idempotent request, another node left).</summary>
    public bool CanRetry { get; set; }

    /// <summary>Set when the transform held back a 502/503/504 answer's body so the request can go to another node.</summary>
    public int? SuppressedStatus { get; set; }
}
