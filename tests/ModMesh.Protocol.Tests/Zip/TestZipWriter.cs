using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ModMesh.Protocol.Tests.Zip;

/// <summary>A small zip writer for tests: writes exactly what it is told, hostile fields included, to any stream.</summary>
internal static class TestZipWriter
{
    public static byte[] Build(IEnumerable<TestZipEntry> entries)
    {
        using var stream = new MemoryStream();
        Write(stream, entries);
        return stream.ToArray();
    }

    public static byte[] Build(params TestZipEntry[] entries) => Build((IEnumerable<TestZipEntry>)entries);

    /// <summary>Writes the zip; entries are enumerated once (a generator of 300,000 entries is fine).</summary>
    public static void Write(Stream output, IEnumerable<TestZipEntry> entries)
    {
        var central = new MemoryStream();
        long count = 0;
        var start = output.Position;
        Span<byte> local = stackalloc byte[30];
        Span<byte> header = stackalloc byte[46];
        foreach (var entry in entries)
        {
            var name = Encoding.UTF8.GetBytes(entry.Name);
            var localName = entry.LocalName is null ? name : Encoding.UTF8.GetBytes(entry.LocalName);
            var data = entry.Method == 8 ? Deflate(entry.Content) : entry.Content;
            var crc = Crc(entry.Content);
            var declared = entry.DeclaredSize ?? (ulong)entry.Content.Length;
            var zip64 = declared >= 0xFFFFFFFF;
            var offset = output.Position - start;

            local.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(local[4..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(local[6..], entry.Flags);
            BinaryPrimitives.WriteUInt16LittleEndian(local[8..], entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(local[14..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(local[18..], zip64 ? 0xFFFFFFFF : (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(local[22..], zip64 ? 0xFFFFFFFF : (uint)declared);
            BinaryPrimitives.WriteUInt16LittleEndian(local[26..], (ushort)localName.Length);
            output.Write(local);
            output.Write(localName);
            output.Write(data);

            var extra = Array.Empty<byte>();
            if (zip64)
            {
                extra = new byte[4 + 16];
                BinaryPrimitives.WriteUInt16LittleEndian(extra, 1);
                BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), 16);
                BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(4), declared);
                BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(12), (ulong)data.Length);
            }

            header.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], (3 << 8) | 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header[8..], entry.Flags);
            BinaryPrimitives.WriteUInt16LittleEndian(header[10..], entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], zip64 ? 0xFFFFFFFF : (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], zip64 ? 0xFFFFFFFF : (uint)declared);
            BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(header[30..], (ushort)extra.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[38..], entry.UnixMode << 16);
            BinaryPrimitives.WriteUInt32LittleEndian(header[42..], checked((uint)offset));
            central.Write(header);
            central.Write(name);
            central.Write(extra);
            count++;
        }

        var directoryOffset = output.Position - start;
        central.Position = 0;
        central.CopyTo(output);
        var records = count;
        if (count >= 0xFFFF)
        {
            // zip64 end record and locator; the classic record then says 0xFFFF.
            var end64Offset = output.Position - start;
            Span<byte> end64 = stackalloc byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(end64, 0x06064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(end64[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(end64[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(end64[14..], 45);
            BinaryPrimitives.WriteUInt64LittleEndian(end64[24..], (ulong)count);
            BinaryPrimitives.WriteUInt64LittleEndian(end64[32..], (ulong)count);
            BinaryPrimitives.WriteUInt64LittleEndian(end64[40..], (ulong)central.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(end64[48..], (ulong)directoryOffset);
            output.Write(end64);
            Span<byte> locator = stackalloc byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)end64Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
            output.Write(locator);
            records = 0xFFFF;
        }

        Span<byte> end = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)records);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)records);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryOffset);
        output.Write(end);
    }

    public static uint Crc(ReadOnlySpan<byte> data) => ModMesh.Protocol.Zip.Crc32.Compute(data);

    private static byte[] Deflate(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(content);
        }

        return buffer.ToArray();
    }
}
