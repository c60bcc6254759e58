namespace ModMesh.Coordination;

/// <summary>
/// The waiting half shared by the fill-event implementations: the first outcome completes the wait, a timeout on
/// the coordinator's clock answers <see cref="Outcome.Pending"/>, and disposing unregisters (once) and wakes a
/// pending wait with <see cref="ObjectDisposedException"/>.
/// </summary>
internal abstract class FillWaiter(TimeProvider timeProvider) : IFillWaiter
{
    private readonly TaskCompletionSource<Outcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>Delivers an outcome (the first one wins).</summary>
    public void Complete(Outcome outcome) => _outcome.TrySetResult(outcome);

    /// <inheritdoc />
    public async Task<Outcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            // The timer is created on the injected clock before this method first yields.
            return await _outcome.Task.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Outcome.Pending;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(IFillWaiter), "The waiter was disposed while waiting.");
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Unregister();
            _outcome.TrySetCanceled(); // wakes a pending WaitAsync, which reports the disposal.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Removes this waiter from its owner's registry; called once, on the first dispose.</summary>
    protected abstract void Unregister();
}
