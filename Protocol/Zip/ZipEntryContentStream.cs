namespace ModMesh.Protocol.Zip;

/// <summary>
/// An entry's decompressed content, held to its declared size: a byte beyond it, or an end before it, is a
/// <see cref="InvalidDataException"/>; at the end the CRC-32 (and the data descriptor's, when there is one) is checked.
/// </summary>
internal sealed class ZipEntryContentStream : Stream
{
    private readonly Stream _decoded;
    private readonly ZipEntryInfo _entry;
    private readonly Stream _zip;
    private readonly long _descriptorOffset;
    private readonly long _zipLength;
    private Crc32 _crc = new();
    private ulong _read;
    private bool _done;

    public ZipEntryContentStream(Stream decoded, ZipEntryInfo entry, Stream zip, long descriptorOffset, long zipLength)
    {
        _decoded = decoded;
        _entry = entry;
        _zip = zip;
        _descriptorOffset = descriptorOffset;
        _zipLength = zipLength;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => (long)_read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }

        int n;
        try
        {
            n = _decoded.Read(buffer);
        }
        catch (InvalidDataException ex) when (_entry.Method == 8)
        {
            throw new InvalidDataException($"entry {ZipReader.Describe(_entry.NameBytes)}: corrupt deflate data ({ex.Message})", ex);
        }

        if (n > 0)
        {
            _read += (ulong)n;
            if (_read > _entry.UncompressedSize)
            {
                throw new InvalidDataException($"entry {ZipReader.Describe(_entry.NameBytes)}: content is larger than its declared size ({_entry.UncompressedSize} bytes)");
            }

            _crc.Append(buffer[..n]);
            return n;
        }

        _done = true;
        if (_read != _entry.UncompressedSize)
        {
            throw new InvalidDataException($"entry {ZipReader.Describe(_entry.NameBytes)}: content is {_read} bytes, smaller than its declared size ({_entry.UncompressedSize} bytes)");
        }

        if (_descriptorOffset >= 0)
        {
            ZipReader.CheckDataDescriptor(_zip, _descriptorOffset, _zipLength, _entry);
        }

        if (_crc.Value != _entry.Crc32)
        {
            throw new InvalidDataException($"entry {ZipReader.Describe(_entry.NameBytes)}: CRC-32 mismatch");
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decoded.Dispose();
        }

        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
