using System.Collections.Concurrent;

namespace ModMesh.Gateway.Caching;

/// <summary>
/// The cache misses the gateway is forwarding right now, one per path, so that concurrent requests for the same path
/// share one trip to a node (nginx's <c>proxy_cache_lock</c>): the first request (the leader) goes to the node and
/// captures the answer; requests for the same path that arrive meanwhile (followers) wait for the leader's outcome and
/// are answered from memory. A follower stops waiting, and goes to a node itself, as soon as the leader knows its
/// answer will not be kept (not a 200, not immutable, too large, no capture budget), when the leader's transfer fails,
/// or after <see cref="GatewayCacheOptions.LockTimeout"/>.
/// </summary>
/// <remarks>
/// Captures in flight are bounded in bytes (<see cref="GatewayCacheOptions.MaxCaptureBytes"/>): a leader whose answer
/// would exceed the budget streams through without a copy. One capture per path at most, so a burst of N clients for
/// one uncached file costs one copy, not N.
/// </remarks>
internal sealed class PendingAnswers(long maxCaptureBytes)
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private long _capturing;
    private int _waiting;

    /// <summary>Followers waiting for a leader now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Bytes reserved by captures in flight now.</summary>
    public long CapturingBytes => Interlocked.Read(ref _capturing);

    /// <summary>Becomes the leader for <paramref name="key"/> (returns the new entry, <paramref name="leader"/> true) or finds the one in flight.</summary>
    public Pending Join(string key, out bool leader)
    {
        var mine = new Pending(this, key);
        var entry = _pending.GetOrAdd(key, mine);
        leader = ReferenceEquals(entry, mine);
        return entry;
    }

    /// <summary>Reserves <paramref name="bytes"/> of the capture budget; false when it would be exceeded.</summary>
    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var now = Interlocked.Read(ref _capturing);
            if (now + bytes > maxCaptureBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _capturing, now + bytes, now) == now)
            {
                return true;
            }
        }
    }

    public void Unreserve(long bytes) => Interlocked.Add(ref _capturing, -bytes);

    /// <summary>One leader's miss in flight.</summary>
    internal sealed class Pending(PendingAnswers owner, string key)
    {
        private readonly TaskCompletionSource<ImmutableAnswer?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Waits (as a follower) up to <paramref name="timeout"/> for the leader's answer: the answer when it was kept,
        /// null when the follower must go to a node itself.
        /// </summary>
        public async Task<ImmutableAnswer?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner._waiting);
            try
            {
                return await _outcome.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
            finally
            {
                Interlocked.Decrement(ref owner._waiting);
            }
        }

        /// <summary>
        /// The leader's outcome (idempotent: the first call wins). Null releases the followers to the nodes. The entry
        /// leaves the registry, so the next miss for the path leads again.
        /// </summary>
        public void Complete(ImmutableAnswer? answer)
        {
            if (_outcome.TrySetResult(answer))
            {
                owner._pending.TryRemove(new KeyValuePair<string, Pending>(key, this));
            }
        }
    }
}
