namespace ModMesh.Coordination.Resilience;

/// <summary>
/// Fill events on both coordinators: every outcome is published locally and (when reachable) to the shared
/// coordinator; a waiter listens to both and takes the first outcome from either. So waiters on this node hear
/// local fills while Redis is down, and hear other nodes' fills whenever it is up.
/// </summary>
public sealed class FailoverFillEvents(IFillEvents shared, IFillEvents local, CoordinationFailover failover) : IFillEvents
{
    /// <inheritdoc />
    public async Task<IFillWaiter> SubscribeAsync(string key, CancellationToken cancellationToken)
    {
        var localWaiter = await local.SubscribeAsync(key, cancellationToken).ConfigureAwait(false);
        IFillWaiter? sharedWaiter = null;
        try
        {
            sharedWaiter = await shared.SubscribeAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
            // Local events only until the shared coordinator is back.
        }

        return new Waiter(localWaiter, sharedWaiter, failover);
    }

    /// <inheritdoc />
    public async Task PublishAsync(string key, Outcome outcome, CancellationToken cancellationToken)
    {
        await local.PublishAsync(key, outcome, cancellationToken).ConfigureAwait(false);
        try
        {
            await shared.PublishAsync(key, outcome, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failover.IsUnavailable(ex))
        {
            // Other nodes re-check the store when their wait runs out.
        }
    }

    private sealed class Waiter(IFillWaiter local, IFillWaiter? shared, CoordinationFailover failover) : IFillWaiter
    {
        public async Task<Outcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (shared is null)
            {
                return await local.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }

            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var localWait = local.WaitAsync(timeout, both.Token);
            var sharedWait = SharedOrNullAsync(timeout, both.Token);
            Outcome? outcome;
            if (await Task.WhenAny((Task)localWait, sharedWait).ConfigureAwait(false) == localWait)
            {
                outcome = await localWait.ConfigureAwait(false);
                if (outcome.Kind == OutcomeKind.Pending)
                {
                    // Both waits share the timeout; the shared one ends about now (or failed: then local decided).
                    outcome = await sharedWait.ConfigureAwait(false) ?? outcome;
                }
            }
            else
            {
                outcome = await sharedWait.ConfigureAwait(false);
                if (outcome is null || outcome.Kind == OutcomeKind.Pending)
                {
                    // The shared coordinator failed (or timed out) first: the local wait decides.
                    outcome = await localWait.ConfigureAwait(false);
                }
            }

            await both.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(Quietly(localWait), Quietly(sharedWait)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return outcome;
        }

        private static async Task Quietly(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task<Outcome?> SharedOrNullAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                return await shared!.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (failover.IsUnavailable(ex))
            {
                // Lost the shared coordinator mid-wait.
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await local.DisposeAsync().ConfigureAwait(false);
            if (shared is not null)
            {
                try
                {
                    await shared.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (failover.IsUnavailable(ex))
                {
                }
            }
        }
    }
}
