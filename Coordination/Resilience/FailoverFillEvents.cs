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
    public async Task PublishAsync(string key, FillOutcome outcome, CancellationToken cancellationToken)
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
        public async Task<FillOutcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (shared is null)
            {
                return await local.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }

            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var localWait = local.WaitAsync(timeout, both.Token);
            var sharedWait = SharedOrTimedOutAsync(timeout, both.Token);
            var first = await Task.WhenAny(localWait, sharedWait).ConfigureAwait(false);
            var outcome = await first.ConfigureAwait(false);
            var other = first == localWait ? sharedWait : localWait;
            if (outcome.Status == FillStatus.TimedOut)
            {
                outcome = await other.ConfigureAwait(false);
            }
            else
            {
                await both.CancelAsync().ConfigureAwait(false);
                try
                {
                    await other.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            return outcome;
        }

        private async Task<FillOutcome> SharedOrTimedOutAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                return await shared!.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (failover.IsUnavailable(ex))
            {
                // Lost the shared coordinator mid-wait: the local wait decides.
                await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
                return FillOutcome.TimedOut;
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
