namespace ModMesh.ServiceDefaults.Draining;

/// <summary>
/// Work that runs when the drain starts, alongside the drain delay (for example, deregistering from a service
/// registry). Register with <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;IDrainParticipant, T&gt;())</c>.
/// Participants run concurrently; the server keeps serving until every participant and the delay are done, or the
/// host's shutdown timeout cancels <paramref name="cancellationToken"/>. A participant that throws is logged and
/// does not stop the drain.
/// </summary>
public interface IDrainParticipant
{
    Task DrainStartedAsync(CancellationToken cancellationToken);
}
