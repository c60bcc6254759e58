namespace ModMesh.Protocol.Zip;

/// <summary>A read-only window of a seekable stream; it seeks before every read, so others may use the stream in between.</summary>
internal sealed class RegionStream : Stream
{
    private readonly Stream _stream;
    private readonly long _offset;
    private readonly long _length;
    private long _position;

    public RegionStream(Stream stream, long offset, long length)
    {
        _stream = stream;
        _offset = offset;
        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = _length - _position;
        if (left <= 0 || buffer.Length == 0)
        {
            return 0;
        }

        if (buffer.Length > left)
        {
            buffer = buffer[..(int)left];
        }

        _stream.Position = _offset + _position;
        var read = _stream.Read(buffer);
        if (read == 0)
        {
            throw new InvalidDataException("the zip file is truncated");
        }

        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
