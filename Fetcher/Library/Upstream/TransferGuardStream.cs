using ModMesh.Storage.Streams;

namespace ModMesh.Fetcher.Upstream;

/// <summary>
/// Bounds a body from upstream in time: a read fails when no byte arrives for the idle timeout, or when the transfer,
/// once past its grace period, has averaged less than the minimum rate (an upstream dripping a byte every couple of
/// seconds never trips a per-read idle timeout, but it trips this). Each read waits at most until whichever of the two
/// would fail first.
/// </summary>
internal sealed class TransferGuardStream : ReadOnlyWrapperStream
{
    private readonly TimeSpan _idleTimeout;
    private readonly long _minBytesPerSecond;
    private readonly TimeSpan _grace;
    private readonly TimeProvider _time;
    private readonly long _started;
    private long _received;

    public TransferGuardStream(Stream inner, TimeSpan idleTimeout, long minBytesPerSecond, TimeSpan grace, TimeProvider time)
        : base(inner)
    {
        _idleTimeout = idleTimeout;
        _minBytesPerSecond = minBytesPerSecond;
        _grace = grace;
        _time = time;
        _started = time.GetTimestamp();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var elapsed = _time.GetElapsedTime(_started);
        var wait = _idleTimeout;
        var slow = false;
        if (_minBytesPerSecond > 0)
        {
            // The moment the average would fall under the minimum if nothing more arrived.
            var due = TimeSpan.FromSeconds(Math.Max(_grace.TotalSeconds, (double)_received / _minBytesPerSecond)) - elapsed;
            if (due < wait)
            {
                wait = due > TimeSpan.Zero ? due : TimeSpan.Zero;
                slow = true;
            }
        }

        if (wait == TimeSpan.Zero)
        {
            throw SlowTransfer(elapsed);
        }

        using var deadline = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var read = await Inner.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
            _received += read;
            return read;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw slow ? SlowTransfer(_time.GetElapsedTime(_started)) : new IOException($"the upstream sent nothing for {_idleTimeout.TotalSeconds:0.#} s");
        }
    }

    private IOException SlowTransfer(TimeSpan elapsed) =>
        new($"the upstream sent {_received} bytes in {elapsed.TotalSeconds:0.#} s, under the minimum rate of {_minBytesPerSecond} bytes/s");
}
