using ModMesh.Storage.Streams;

namespace ModMesh.Fetcher.Upstream;

/// <summary>A read-only stream wrapper that throws once more than <c>limit</c> bytes have been read. Disposing it leaves the inner stream open.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit, string what) : ReadOnlyWrapperStream(inner)
{
    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesRead += n;
        if (BytesRead > limit)
        {
            throw new FillRejectedException($"{what} is larger than the limit of {limit} bytes");
        }

        return n;
    }

    // The owner of the inner stream (the upstream response) disposes it.
    protected override void Dispose(bool disposing)
    {
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Content from upstream that must not be committed (too large, inconsistent).</summary>
public sealed class FillRejectedException(string message) : Exception(message);
