namespace ModMesh.Protocol.Zip;

/// <summary>
/// One central-directory record of a zip, as <see cref="ZipReader.ReadEntries"/> streams them. Sizes are the
/// declared ones (zip64 values when the record has them); nothing of the content has been read.
/// </summary>
public sealed class ZipEntryInfo
{
    internal ZipEntryInfo(byte[] name, ushort flags, ushort method, uint crc32, ulong compressedSize, ulong uncompressedSize, long localHeaderOffset)
    {
        NameBytes = name;
        Flags = flags;
        Method = method;
        Crc32 = crc32;
        CompressedSize = compressedSize;
        UncompressedSize = uncompressedSize;
        LocalHeaderOffset = localHeaderOffset;
    }

    /// <summary>The entry name exactly as stored (zip names are bytes; module zips use UTF-8).</summary>
    public byte[] NameBytes { get; }

    /// <summary>General-purpose flags of the central record (bit 3: sizes and CRC follow the data in a descriptor).</summary>
    public ushort Flags { get; }

    /// <summary>Compression method: 0 store or 8 deflate can be opened.</summary>
    public ushort Method { get; }

    /// <summary>Declared CRC-32 of the uncompressed content.</summary>
    public uint Crc32 { get; }

    /// <summary>Declared size of the stored (compressed) data.</summary>
    public ulong CompressedSize { get; }

    /// <summary>Declared size of the content; <see cref="ZipReader.OpenContent"/> enforces it exactly.</summary>
    public ulong UncompressedSize { get; }

    /// <summary>Offset of the entry's local file header in the stream.</summary>
    public long LocalHeaderOffset { get; }

    /// <summary>Whether the name ends with '/'.</summary>
    public bool IsDirectory => NameBytes.Length > 0 && NameBytes[^1] == (byte)'/';

    /// <summary>The name decoded as UTF-8 (invalid bytes replaced), for messages.</summary>
    public string Name => System.Text.Encoding.UTF8.GetString(NameBytes);

    internal bool HasDataDescriptor => (Flags & 0x8) != 0;
}
