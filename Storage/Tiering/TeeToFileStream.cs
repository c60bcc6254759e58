namespace ModMesh.Storage.Tiering;

/// <summary>
/// Reads from a source while copying every byte to a local file; when the source ends with exactly the expected
/// length, hands the finished file to <c>completed</c>. Disposed early, failed or short: the file is deleted. A
/// local disk error stops the copy, never the read.
/// </summary>
internal sealed class TeeToFileStream(Stream source, string partPath, long expectedLength, Action<string> completed) : Stream
{
    private FileStream? _copy;
    private bool _copyFailed;
    private long _read;
    private bool _done;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => expectedLength;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _read += n;
        if (_copyFailed || _done)
        {
            return n;
        }

        try
        {
            _copy ??= new FileStream(partPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            if (n > 0)
            {
                await _copy.WriteAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _done = true;
                await _copy.DisposeAsync().ConfigureAwait(false);
                _copy = null;
                if (_read == expectedLength)
                {
                    completed(partPath);
                }
                else
                {
                    File.Delete(partPath);
                }
            }
        }
        catch (IOException)
        {
            Abandon();
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_done)
            {
                Abandon();
            }

            source.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_done)
        {
            Abandon();
        }

        await source.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private void Abandon()
    {
        _copyFailed = true;
        try
        {
            _copy?.Dispose();
            _copy = null;
            File.Delete(partPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
