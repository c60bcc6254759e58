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

/// <summary>The one bounded read of a whole body (an upstream answer, a cached small blob) into memory.</summary>
public static class BoundedRead
{
    /// <summary>
    /// Reads <paramref name="content"/> to its end; throws <see cref="FillRejectedException"/> naming
    /// <paramref name="what"/> as soon as more than <paramref name="limit"/> bytes arrived.
    /// </summary>
    public static async Task<byte[]> ReadAllAsync(Stream content, long limit, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await new LimitedReadStream(content, limit, what).CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}

/// <summary>Content from upstream that must not be committed or cached (too large, inconsistent).</summary>
public sealed class FillRejectedException(string message) : Exception(message);
