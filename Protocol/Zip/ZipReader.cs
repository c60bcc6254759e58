using System.Buffers.Binary;
using System.IO.Compression;

namespace ModMesh.Protocol.Zip;

/// <summary>
/// A streaming reader of the zip format over a seekable stream: it locates the end-of-central-directory record
/// (and the zip64 one), then streams central-directory records one at a time (<see cref="ReadEntries"/>; only the
/// current record is in memory) and opens an entry's content (<see cref="OpenContent"/>) after checking its local
/// header against the central record. Every offset and size is checked to stay inside the stream (checked
/// arithmetic; no overflow). Malformed input raises <see cref="InvalidDataException"/>.
/// </summary>
/// <remarks>
/// Compared with Go's archive/zip it is deliberately stricter: the central directory must lie exactly where the end
/// record says (no prepended data) and hold exactly the declared number of records; the local header must carry the
/// central record's name and method (and its CRC and sizes unless they are deferred to a data descriptor); symlinks
/// (Unix mode S_IFLNK) and encrypted entries are refused; the CRC is always checked (Go skips a zero CRC without a
/// data descriptor); a deflate entry with no compressed bytes is refused (Go's flate reader fails on it too).
/// </remarks>
public sealed class ZipReader
{
    private const uint EndSignature = 0x06054b50;
    private const uint End64LocatorSignature = 0x07064b50;
    private const uint End64Signature = 0x06064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;
    private const uint DataDescriptorSignature = 0x08074b50;
    private const int EndLength = 22;
    private const int End64LocatorLength = 20;
    private const int End64Length = 56;
    private const int CentralHeaderLength = 46;
    private const int LocalHeaderLength = 30;
    private const ushort Zip64ExtraId = 0x0001;

    private readonly Stream _stream;
    private readonly byte[] _localHeader = new byte[LocalHeaderLength];
    private byte[] _localName = new byte[256];

    private ZipReader(Stream stream, long length, long entryCount, long directoryOffset, long directorySize)
    {
        _stream = stream;
        Length = length;
        EntryCount = entryCount;
        DirectoryOffset = directoryOffset;
        DirectorySize = directorySize;
    }

    /// <summary>Length of the zip stream.</summary>
    public long Length { get; }

    /// <summary>Number of central-directory records the end record declares (checked against the directory's size).</summary>
    public long EntryCount { get; }

    /// <summary>Offset of the central directory.</summary>
    public long DirectoryOffset { get; }

    /// <summary>Size of the central directory in bytes.</summary>
    public long DirectorySize { get; }

    /// <summary>Reads the end-of-central-directory record (zip64 too). The stream must be readable and seekable.</summary>
    /// <exception cref="InvalidDataException">No valid end record, or it points outside the stream.</exception>
    public static ZipReader Open(Stream seekableZip)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        if (!seekableZip.CanSeek || !seekableZip.CanRead)
        {
            throw new ArgumentException("the zip stream must be readable and seekable", nameof(seekableZip));
        }

        var length = seekableZip.Length;
        var (endOffset, end) = FindEnd(seekableZip, length);
        ulong records = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(10));
        ulong recordsThisDisk = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(8));
        ulong size = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(12));
        ulong offset = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(16));
        uint disk = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(4));
        uint directoryDisk = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(6));
        var directoryEnd = endOffset;

        if (records == 0xFFFF || recordsThisDisk == 0xFFFF || size == 0xFFFFFFFF || offset == 0xFFFFFFFF)
        {
            var locatorOffset = endOffset - End64LocatorLength;
            if (locatorOffset >= 0)
            {
                var locator = ReadExactly(seekableZip, locatorOffset, End64LocatorLength, "zip64 end locator");
                if (BinaryPrimitives.ReadUInt32LittleEndian(locator) == End64LocatorSignature)
                {
                    var end64Offset = BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8));
                    if (end64Offset > (ulong)locatorOffset || (ulong)locatorOffset - end64Offset < End64Length)
                    {
                        throw new InvalidDataException("the zip64 end record lies outside the file");
                    }

                    var end64 = ReadExactly(seekableZip, (long)end64Offset, End64Length, "zip64 end record");
                    if (BinaryPrimitives.ReadUInt32LittleEndian(end64) != End64Signature)
                    {
                        throw new InvalidDataException("bad zip64 end record signature");
                    }

                    disk = BinaryPrimitives.ReadUInt32LittleEndian(end64.AsSpan(16));
                    directoryDisk = BinaryPrimitives.ReadUInt32LittleEndian(end64.AsSpan(20));
                    recordsThisDisk = BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(24));
                    records = BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(32));
                    size = BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(40));
                    offset = BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(48));
                    directoryEnd = (long)end64Offset;
                }
            }
        }

        if (disk != 0 || directoryDisk != 0 || recordsThisDisk != records)
        {
            throw new InvalidDataException("multi-disk zip archives are not supported");
        }

        // The directory must end exactly where the end record (or the zip64 end record) begins.
        if (offset > (ulong)directoryEnd || size != (ulong)directoryEnd - offset)
        {
            throw new InvalidDataException($"the central directory (offset {offset}, size {size}) does not end at the end record (offset {directoryEnd})");
        }

        if (records > size / CentralHeaderLength)
        {
            throw new InvalidDataException($"the end record declares {records} entries, more than a {size}-byte central directory can hold");
        }

        return new ZipReader(seekableZip, length, (long)records, (long)offset, (long)size);
    }

    /// <summary>
    /// Streams the central-directory records in order, one object per record (never all at once). Stop enumerating
    /// early at will. The stream may be used (e.g. by <see cref="OpenContent"/>) between two records.
    /// </summary>
    /// <exception cref="InvalidDataException">A record is malformed, runs past the directory, points outside the stream, is encrypted or a symlink.</exception>
    public IEnumerable<ZipEntryInfo> ReadEntries()
    {
        var region = new RegionReader(_stream, DirectoryOffset, DirectorySize);
        var header = new byte[CentralHeaderLength];
        for (long i = 0; i < EntryCount; i++)
        {
            region.ReadExactly(header, "central directory record");
            var h = header.AsSpan();
            if (BinaryPrimitives.ReadUInt32LittleEndian(h) != CentralSignature)
            {
                throw new InvalidDataException($"bad signature in central directory record {i}");
            }

            var creator = BinaryPrimitives.ReadUInt16LittleEndian(h[4..]);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            var compressed32 = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            var uncompressed32 = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            var externalAttributes = BinaryPrimitives.ReadUInt32LittleEndian(h[38..]);
            var offset32 = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);

            var name = new byte[nameLength];
            region.ReadExactly(name, "entry name");
            var extra = extraLength == 0 ? [] : new byte[extraLength];
            region.ReadExactly(extra, "entry extra field");
            region.Skip(commentLength, "entry comment");

            ulong compressed = compressed32, uncompressed = uncompressed32, offset = offset32;
            ParseZip64(extra, uncompressed32 == 0xFFFFFFFF, compressed32 == 0xFFFFFFFF, offset32 == 0xFFFFFFFF, ref uncompressed, ref compressed, ref offset);

            if ((flags & 0x1) != 0 || (flags & 0x40) != 0)
            {
                throw new InvalidDataException($"entry {Describe(name)} is encrypted");
            }

            var host = creator >> 8;
            if ((host == 3 || host == 19) && ((externalAttributes >> 16) & 0xF000) == 0xA000)
            {
                throw new InvalidDataException($"entry {Describe(name)} is a symbolic link");
            }

            // The local header (30 bytes plus its name) and the data must lie inside the stream.
            if (offset > (ulong)Length ||
                compressed > (ulong)Length ||
                checked(offset + LocalHeaderLength + (ulong)nameLength + compressed) > (ulong)Length)
            {
                throw new InvalidDataException($"entry {Describe(name)} points outside the file (local header at {offset}, {compressed} compressed bytes)");
            }

            yield return new ZipEntryInfo(name, flags, method, crc, compressed, uncompressed, (long)offset);
        }

        if (region.Remaining != 0)
        {
            throw new InvalidDataException($"{region.Remaining} unexpected bytes after the last central directory record");
        }
    }

    /// <summary>
    /// Checks the entry's local header against its central record and returns its content: decompressed, exactly
    /// <see cref="ZipEntryInfo.UncompressedSize"/> bytes long (more or fewer is a <see cref="InvalidDataException"/>
    /// on read), CRC-32 (and data descriptor) checked when the end is reached. Only one content stream may be read
    /// at a time, and not while <see cref="ReadEntries"/> is between records of another reader of the same stream.
    /// </summary>
    /// <exception cref="InvalidDataException">Unsupported method, bad local header, or data outside the stream.</exception>
    public Stream OpenContent(ZipEntryInfo entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Method is not (0 or 8))
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)} uses unsupported compression method {entry.Method}");
        }

        var l = _localHeader.AsSpan();
        ReadExactly(_stream, entry.LocalHeaderOffset, l, "local file header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(l) != LocalSignature)
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: bad local file header signature");
        }

        var localFlags = BinaryPrimitives.ReadUInt16LittleEndian(l[6..]);
        var localMethod = BinaryPrimitives.ReadUInt16LittleEndian(l[8..]);
        var localCrc = BinaryPrimitives.ReadUInt32LittleEndian(l[14..]);
        var localCompressed = BinaryPrimitives.ReadUInt32LittleEndian(l[18..]);
        var localUncompressed = BinaryPrimitives.ReadUInt32LittleEndian(l[22..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(l[26..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(l[28..]);
        var dataOffset = checked(entry.LocalHeaderOffset + LocalHeaderLength + nameLength + extraLength);
        if (dataOffset > Length || (ulong)(Length - dataOffset) < entry.CompressedSize)
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: data runs past the end of the file");
        }

        if (_localName.Length < nameLength)
        {
            _localName = new byte[Math.Max(nameLength, _localName.Length * 2)];
        }

        var localName = _localName.AsSpan(0, nameLength);
        ReadExactly(_stream, entry.LocalHeaderOffset + LocalHeaderLength, localName, "local file name");
        if (!localName.SequenceEqual(entry.NameBytes))
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: the local header names it {Describe(localName)}");
        }

        if (localMethod != entry.Method)
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: local header method {localMethod} differs from the central directory's {entry.Method}");
        }

        if ((localFlags & 0x8) == 0 && !entry.HasDataDescriptor)
        {
            var sizesInZip64 = localCompressed == 0xFFFFFFFF || localUncompressed == 0xFFFFFFFF;
            if (localCrc != entry.Crc32 ||
                (!sizesInZip64 && (localCompressed != entry.CompressedSize || localUncompressed != entry.UncompressedSize)))
            {
                throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: local header CRC or sizes differ from the central directory's");
            }
        }

        if (entry.Method == 8 && entry.CompressedSize == 0)
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: empty deflate data");
        }

        var raw = new RegionStream(_stream, dataOffset, (long)entry.CompressedSize);
        Stream decoded = entry.Method == 8 ? new DeflateStream(raw, CompressionMode.Decompress, leaveOpen: false) : raw;
        long descriptorOffset = checked(dataOffset + (long)entry.CompressedSize);
        return new ZipEntryContentStream(decoded, entry, _stream, entry.HasDataDescriptor ? descriptorOffset : -1, Length);
    }

    internal static string Describe(ReadOnlySpan<byte> name) => ZipNames.Quote(name);

    internal static void CheckDataDescriptor(Stream stream, long offset, long length, ZipEntryInfo entry)
    {
        // The descriptor: optional signature, CRC-32, then sizes (ignored, like Go: the central record's sizes rule).
        if (offset > length - 12)
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: data descriptor missing");
        }

        var available = (int)Math.Min(16, length - offset);
        var buffer = ReadExactly(stream, offset, available, "data descriptor");
        var crcAt = BinaryPrimitives.ReadUInt32LittleEndian(buffer) == DataDescriptorSignature ? 4 : 0;
        if (crcAt + 4 > available || BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(crcAt)) != entry.Crc32)
        {
            throw new InvalidDataException($"entry {Describe(entry.NameBytes)}: data descriptor CRC differs from the central directory's");
        }
    }

    private static void ParseZip64(byte[] extra, bool needUncompressed, bool needCompressed, bool needOffset, ref ulong uncompressed, ref ulong compressed, ref ulong offset)
    {
        var rest = extra.AsSpan();
        while (rest.Length >= 4)
        {
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]);
            rest = rest[4..];
            if (size > rest.Length)
            {
                break;
            }

            var field = rest[..size];
            rest = rest[size..];
            if (tag != Zip64ExtraId)
            {
                continue;
            }

            // Like Go: each saturated value is taken from the field, in order, when it is there.
            if (needUncompressed)
            {
                needUncompressed = false;
                uncompressed = TakeUInt64(ref field);
            }

            if (needCompressed)
            {
                needCompressed = false;
                compressed = TakeUInt64(ref field);
            }

            if (needOffset)
            {
                needOffset = false;
                offset = TakeUInt64(ref field);
            }
        }

        if (needCompressed || needOffset)
        {
            throw new InvalidDataException("a central directory record lacks its zip64 sizes");
        }
    }

    private static ulong TakeUInt64(ref Span<byte> field)
    {
        if (field.Length < 8)
        {
            throw new InvalidDataException("truncated zip64 extra field");
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(field);
        field = field[8..];
        return value;
    }

    private static (long Offset, byte[] Record) FindEnd(Stream stream, long length)
    {
        if (length < EndLength)
        {
            throw new InvalidDataException("too short to be a zip file");
        }

        // Like Go: look in the last 1 KiB, then the last 65 KiB (a comment is at most 65,535 bytes).
        foreach (var window in new long[] { 1024, 65 * 1024 })
        {
            var size = (int)Math.Min(window, length);
            var start = length - size;
            var buffer = ReadExactly(stream, start, size, "end of central directory");
            for (var i = size - EndLength; i >= 0; i--)
            {
                if (buffer[i] == 'P' && buffer[i + 1] == 'K' && buffer[i + 2] == 5 && buffer[i + 3] == 6)
                {
                    int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(i + EndLength - 2));
                    if (i + EndLength + commentLength <= size)
                    {
                        return (start + i, buffer.AsSpan(i, EndLength).ToArray());
                    }
                }
            }

            if (size == length)
            {
                break;
            }
        }

        throw new InvalidDataException("no end of central directory record (not a zip file, or truncated)");
    }

    internal static byte[] ReadExactly(Stream stream, long offset, int count, string what)
    {
        var buffer = new byte[count];
        ReadExactly(stream, offset, buffer, what);
        return buffer;
    }

    private static void ReadExactly(Stream stream, long offset, Span<byte> buffer, string what)
    {
        var count = buffer.Length;
        if (offset < 0 || count > stream.Length - offset)
        {
            throw new InvalidDataException($"{what} lies outside the file");
        }

        stream.Position = offset;
        var read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        if (read < count)
        {
            throw new InvalidDataException($"{what} is truncated");
        }
    }
}
