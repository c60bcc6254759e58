using Amazon.S3.Model;

namespace ModMesh.Storage.S3;

/// <summary>
/// The body of one GetObject response, read-only and forward-only. Disposing it releases the response (and its
/// connection). Transport failures while reading surface as <see cref="IOException"/>, and so does the SDK's MD5 check
/// of a single-part object (its ETag is the MD5), which fails at the end of a body that does not match its ETag (a
/// torn read from a server whose PUT is not atomic, such as plain s3rver).
/// </summary>
internal sealed class S3ReadStream(GetObjectResponse response, long length, string description) : Stream
{
    private readonly Stream _inner = response.ResponseStream;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>The object's length (Content-Length of the response).</summary>
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            int read = _inner.Read(buffer);
            _position += read;
            return read;
        }
        catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonClientException)
        {
            throw new IOException($"Reading {description} failed: {ex.Message}", ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _position += read;
            return read;
        }
        catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonClientException)
        {
            throw new IOException($"Reading {description} failed: {ex.Message}", ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            response.Dispose();
        }

        base.Dispose(disposing);
    }
}
