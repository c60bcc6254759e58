namespace ModMesh.ServiceDefaults.Draining;

/// <summary>
/// Whether this service is draining: it was asked to stop (SIGTERM), fails <c>/health/ready</c> so load balancers and
/// the gateway move traffic away, and keeps serving for the drain delay before the server stops.
/// </summary>
public interface IDrainState
{
    /// <summary>True from the moment the drain starts until the process exits.</summary>
    bool IsDraining { get; }

    /// <summary>
    /// Cancelled when the drain starts (before the drain delay). Register a callback for quick, synchronous work;
    /// for asynchronous work (deregistering from Consul), implement <see cref="IDrainParticipant"/> instead.
    /// </summary>
    CancellationToken DrainStarted { get; }
}
