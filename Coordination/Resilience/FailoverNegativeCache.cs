namespace ModMesh.Coordination.Resilience;

/// <summary>Negative entries kept in both coordinators; read from the shared one, or the local one while it is unreachable.</summary>
public sealed class FailoverNegativeCache(INegativeCache shared, INegativeCache local, CoordinationFailover failover) : INegativeCache
{
    /// <inheritdoc />
    public async Task SetAsync(string key, string message, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        await local.SetAsync(key, message, timeToLive, cancellationToken).ConfigureAwait(false);
        try
        {
            await shared.SetAsync(key, message, timeToLive, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
            // Remembered locally; the shared entry is only an optimisation.
        }
    }

    /// <inheritdoc />
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await shared.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
            return await local.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await local.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        try
        {
            await shared.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
        }
    }
}
