using ModMesh.Storage.Streams;

namespace ModMesh.Fetcher.Upstream;

/// <summary>A read-only stream wrapper that fails a read that stalls longer than the idle timeout.</summary>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan idleTimeout) : ReadOnlyWrapperStream(inner)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleTimeout);
        try
        {
            return await Inner.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"the upstream sent nothing for {idleTimeout.TotalSeconds:0.#} s");
        }
    }
}
