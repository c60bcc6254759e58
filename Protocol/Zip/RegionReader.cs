namespace ModMesh.Protocol.Zip;

/// <summary>
/// Sequential, buffered reads of one region of a seekable stream that others may seek in between: every refill
/// seeks to its own position first. Reading past the region is a <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class RegionReader
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private long _next;      // stream offset of the next byte to load into the buffer
    private long _remaining; // bytes of the region not yet handed out
    private int _start;
    private int _end;

    public RegionReader(Stream stream, long offset, long length)
    {
        _stream = stream;
        _next = offset;
        _remaining = length;
        _buffer = new byte[(int)Math.Min(BufferSize, Math.Max(length, 1))];
    }

    public long Remaining => _remaining;

    public void ReadExactly(Span<byte> destination, string what)
    {
        if (destination.Length > _remaining)
        {
            throw new InvalidDataException($"{what} runs past the end of the central directory");
        }

        while (destination.Length > 0)
        {
            if (_start == _end)
            {
                Fill(what);
            }

            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            _remaining -= n;
            destination = destination[n..];
        }
    }

    public void Skip(int count, string what)
    {
        if (count > _remaining)
        {
            throw new InvalidDataException($"{what} runs past the end of the central directory");
        }

        var inBuffer = Math.Min(count, _end - _start);
        _start += inBuffer;
        var rest = count - inBuffer;
        _next += rest;
        _remaining -= count;
    }

    private void Fill(string what)
    {
        // _remaining counts buffered bytes too; the buffer is empty here, so all of it is still in the stream.
        var want = (int)Math.Min(_buffer.Length, _remaining);
        _stream.Position = _next;
        var read = _stream.ReadAtLeast(_buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
        if (read < want)
        {
            throw new InvalidDataException($"{what} is truncated");
        }

        _next += read;
        _start = 0;
        _end = read;
    }
}
