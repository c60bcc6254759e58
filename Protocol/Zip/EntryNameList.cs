using System.Buffers.Binary;

namespace ModMesh.Protocol.Zip;

/// <summary>
/// The entry names of a zip (each stored once, as UTF-8 after a common prefix) with the SHA-256 of each entry's
/// content, kept compact for dirhash: a record is 4 + name bytes + 32, plus a 4-byte handle in one int array.
/// </summary>
internal sealed class EntryNameList
{
    private const int ShaLength = 32;

    private readonly ByteArena _arena = new();
    private int[] _handles = new int[1024];
    private int _count;

    public int Count => _count;

    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> sha256)
    {
        var handle = _arena.Allocate(checked(4 + name.Length + ShaLength), out var record);
        BinaryPrimitives.WriteInt32LittleEndian(record, name.Length);
        name.CopyTo(record[4..]);
        sha256.CopyTo(record[(4 + name.Length)..]);
        if (_count == _handles.Length)
        {
            Array.Resize(ref _handles, checked(_handles.Length * 2));
        }

        _handles[_count++] = handle;
    }

    /// <summary>
    /// dirhash Hash1 over the entries: names sorted as bytes (Go's sort.Strings), then SHA-256 over the lines
    /// "hex(sha256(content))  prefix+name\n"; returns "h1:" + base64.
    /// </summary>
    /// <exception cref="InvalidDataException">A name contains a newline, or repeats while <paramref name="refuseDuplicates"/>.</exception>
    public string Hash1(ReadOnlySpan<byte> prefix, bool refuseDuplicates)
    {
        var handles = _handles.AsSpan(0, _count);
        handles.Sort((a, b) => Name(a).SequenceCompareTo(Name(b)));
        using var summary = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> hex = stackalloc byte[ShaLength * 2 + 2];
        for (var start = 0; start < handles.Length;)
        {
            var name = Name(handles[start]);
            if (name.IndexOf((byte)'\n') >= 0 || prefix.IndexOf((byte)'\n') >= 0)
            {
                throw new InvalidDataException($"entry name contains a newline: {ZipNames.Quote(name)}");
            }

            // A run of equal names (directory entries may repeat): like dirhash.HashZip, whose name → file map keeps
            // the last entry, every line of the run uses the content of the entry that came last in the directory.
            var end = start + 1;
            var last = handles[start];
            while (end < handles.Length && Name(handles[end]).SequenceEqual(name))
            {
                last = Math.Max(last, handles[end]);
                end++;
            }

            if (refuseDuplicates && end - start > 1)
            {
                throw new InvalidDataException($"duplicate zip entry {ZipNames.Quote(name)}");
            }

            var sha = _arena.At(last).Slice(4 + name.Length, ShaLength);
            for (var i = 0; i < ShaLength; i++)
            {
                hex[2 * i] = (byte)"0123456789abcdef"[sha[i] >> 4];
                hex[(2 * i) + 1] = (byte)"0123456789abcdef"[sha[i] & 0xF];
            }

            hex[^2] = (byte)' ';
            hex[^1] = (byte)' ';
            for (var k = start; k < end; k++)
            {
                summary.AppendData(hex);
                summary.AppendData(prefix);
                summary.AppendData(name);
                summary.AppendData("\n"u8);
            }

            start = end;
        }

        return DirHash.Prefix + Convert.ToBase64String(summary.GetHashAndReset());
    }

    private ReadOnlySpan<byte> Name(int handle)
    {
        var record = _arena.At(handle);
        return record.Slice(4, BinaryPrimitives.ReadInt32LittleEndian(record));
    }
}
