namespace ModMesh.ServiceDefaults.Draining;

/// <summary>
/// How a service that has started draining (SIGTERM received, still serving for its drain delay) tells the gateway in
/// front of it: every answer it sends, readiness probes included, carries <see cref="HeaderName"/> and
/// <c>Connection: close</c>. A gateway that sees the header takes the node out at once (no waiting for max_fails or
/// for failed probes) and removes the header before the answer reaches the client; the answer itself is a normal one.
/// </summary>
public static class DrainSignal
{
    /// <summary>The response header, present only while the service drains.</summary>
    public const string HeaderName = "ModMesh-Draining";

    /// <summary>Its only value.</summary>
    public const string Value = "1";
}
