using ModMesh.Storage.Streams;

namespace ModMesh.Storage.Tiering;

/// <summary>
/// Reads from a source while copying every byte to a local file; when the source ends with exactly the expected
/// length, hands the finished file to <c>completed</c>. Disposed early, failed or short: the file is deleted. A
/// local disk error stops the copy, never the read.
/// </summary>
internal sealed class TeeToFileStream(Stream source, string partPath, long expectedLength, Action<string> completed, Action? finished = null) : ReadOnlyWrapperStream(source)
{
    private int _finished;
    private FileStream? _copy;
    private bool _copyFailed;
    private long _read;
    private bool _done;

    public override long Length => expectedLength;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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
                try
                {
                    if (_read == expectedLength)
                    {
                        completed(partPath);
                    }
                    else
                    {
                        File.Delete(partPath);
                    }
                }
                finally
                {
                    Finish();
                }
            }
        }
        catch (IOException)
        {
            Abandon();
        }

        return n;
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_done)
            {
                Abandon();
            }

        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_done)
        {
            Abandon();
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Tells <c>finished</c> (once) that this copy is over, kept or not.</summary>
    private void Finish()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            finished?.Invoke();
        }
    }

    private void Abandon()
    {
        _copyFailed = true;
        Finish();
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
