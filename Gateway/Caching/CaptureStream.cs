namespace ModMesh.Gateway.Caching;

/// <summary>
/// Response-body wrapper for a cache candidate: everything written goes on to the client's stream unchanged, and a
/// copy is kept while the answer qualifies (the first write checks the status, the immutable marking and the declared
/// length, and reserves the length from the capture budget; anything else passes straight through without a copy).
/// The copy is in an array of exactly the declared length; <see cref="TryTake"/> hands it out only when all of it
/// arrived. <paramref name="decided"/> is told once, at the first write, whether a copy is being taken.
/// </summary>
internal sealed class CaptureStream(Stream inner, HttpResponse response, long maxEntryBytes, PendingAnswers budget, Action<bool> decided) : Stream
{
    private byte[]? _buffer;
    private int _length;
    private int _written;
    private bool _decided;
    private bool _overflow;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Keep(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Keep(buffer.AsSpan(offset, count));
        return inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>The whole body, when the answer qualified and every declared byte was written; null otherwise.</summary>
    public byte[]? TryTake()
    {
        if (_buffer is null || _overflow || _written != _length)
        {
            return null;
        }

        var body = _buffer;
        Release();
        return body;
    }

    /// <summary>Lets go of the copy and its share of the capture budget (idempotent).</summary>
    public void Release()
    {
        if (_buffer is not null)
        {
            _buffer = null;
            budget.Unreserve(_length);
        }
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (!_decided)
        {
            _decided = true;
            if (response.StatusCode == StatusCodes.Status200OK
                && ImmutableAnswerCache.IsImmutable(response.Headers.CacheControl)
                && response.ContentLength is { } declared && declared > 0 && declared <= maxEntryBytes
                && budget.TryReserve(declared))
            {
                _length = (int)declared;
                _buffer = GC.AllocateUninitializedArray<byte>(_length);
            }

            decided(_buffer is not null);
        }

        if (_buffer is null || _overflow || data.IsEmpty)
        {
            return;
        }

        if (_written + data.Length > _length)
        {
            _overflow = true;
            Release();
            return;
        }

        data.CopyTo(_buffer.AsSpan(_written));
        _written += data.Length;
    }
}
