namespace ModMesh.Coordination.Resilience;

/// <summary>Locks from the shared coordinator, or from the in-process one while the shared one is unreachable.</summary>
public sealed class FailoverLockProvider(ILockProvider shared, ILockProvider local, CoordinationFailover failover) : ILockProvider
{
    /// <inheritdoc />
    public async Task<ILockLease?> TryAcquireAsync(string resource, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        try
        {
            return await shared.TryAcquireAsync(resource, timeToLive, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
            return await local.TryAcquireAsync(resource, timeToLive, cancellationToken).ConfigureAwait(false);
        }
    }
}
