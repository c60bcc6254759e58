using System.Buffers.Binary;

namespace ModMesh.Protocol.Zip;

/// <summary>
/// golang.org/x/mod/zip's collisionChecker in compact form: every file path and every parent directory, keyed by
/// its case fold, in an open-addressing table over pooled 1 MiB byte chunks (no object per entry). A record is
/// 4 + 1 + fold bytes, plus 4 + path bytes when the path is not its own fold (e.g. has upper case); the table costs
/// 8 bytes per record (int slots, at most half full).
/// </summary>
internal sealed class FoldedPathSet
{
    private readonly ByteArena _arena = new();
    private int[] _slots = new int[1024]; // arena handle + 1; 0 = empty
    private int _count;
    private byte[] _scratch = new byte[512];

    /// <summary>
    /// Adds a path (a file, or a directory with <paramref name="isDirectory"/>) and its parent directories, like Go's
    /// collisionChecker.check. Returns null, or the collision as Go words it.
    /// </summary>
    public string? Add(ReadOnlySpan<byte> path, bool isDirectory)
    {
        var needed = ModuleFilePath.MaxFoldedLength(path.Length);
        if (_scratch.Length < needed)
        {
            _scratch = new byte[needed];
        }

        var scratch = _scratch;
        while (true)
        {
            var foldedLength = ModuleFilePath.Fold(path, scratch);
            var folded = scratch.AsSpan(0, foldedLength);
            var hash = Hash(folded);
            var mask = _slots.Length - 1;
            var slot = hash & mask;
            var found = false;
            while (_slots[slot] != 0)
            {
                var handle = _slots[slot] - 1;
                if (RecordFold(handle).SequenceEqual(folded))
                {
                    found = true;
                    var otherPath = RecordPath(handle, out var otherIsDirectory);
                    if (!otherPath.SequenceEqual(path))
                    {
                        return $"case-insensitive file name collision: {ZipNames.Quote(otherPath)} and {ZipNames.Quote(path)}";
                    }

                    if (otherIsDirectory != isDirectory)
                    {
                        return $"entry {ZipNames.Quote(path)} is both a file and a directory";
                    }

                    if (!isDirectory)
                    {
                        return $"multiple entries for file {ZipNames.Quote(path)}";
                    }

                    break;
                }

                slot = (slot + 1) & mask;
            }

            if (found)
            {
                // A directory seen before: its parents were added with it.
                return null;
            }

            Insert(slot, folded, path, isDirectory);
            var lastSlash = path.LastIndexOf((byte)'/');
            if (lastSlash < 0)
            {
                return null;
            }

            path = path[..lastSlash];
            isDirectory = true;
        }
    }

    private void Insert(int slot, ReadOnlySpan<byte> folded, ReadOnlySpan<byte> path, bool isDirectory)
    {
        var samePath = folded.SequenceEqual(path);
        var size = checked(4 + 1 + folded.Length + (samePath ? 0 : 4 + path.Length));
        var handle = _arena.Allocate(size, out var record);
        BinaryPrimitives.WriteInt32LittleEndian(record, folded.Length);
        record[4] = (byte)((isDirectory ? 1 : 0) | (samePath ? 2 : 0));
        folded.CopyTo(record[5..]);
        if (!samePath)
        {
            BinaryPrimitives.WriteInt32LittleEndian(record[(5 + folded.Length)..], path.Length);
            path.CopyTo(record[(9 + folded.Length)..]);
        }

        _slots[slot] = handle + 1;
        _count++;
        if (_count * 2 > _slots.Length)
        {
            Grow();
        }
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new int[checked(old.Length * 2)];
        var mask = _slots.Length - 1;
        foreach (var entry in old)
        {
            if (entry == 0)
            {
                continue;
            }

            var slot = Hash(RecordFold(entry - 1)) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = entry;
        }
    }

    private ReadOnlySpan<byte> RecordFold(int handle)
    {
        var record = _arena.At(handle);
        var length = BinaryPrimitives.ReadInt32LittleEndian(record);
        return record.Slice(5, length);
    }

    private ReadOnlySpan<byte> RecordPath(int handle, out bool isDirectory)
    {
        var record = _arena.At(handle);
        var foldLength = BinaryPrimitives.ReadInt32LittleEndian(record);
        var flags = record[4];
        isDirectory = (flags & 1) != 0;
        if ((flags & 2) != 0)
        {
            return record.Slice(5, foldLength);
        }

        var pathLength = BinaryPrimitives.ReadInt32LittleEndian(record[(5 + foldLength)..]);
        return record.Slice(9 + foldLength, pathLength);
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        // FNV-1a, then a final mix: deterministic, cheap, good enough for an open-addressing table.
        var h = 2166136261u;
        foreach (var b in bytes)
        {
            h = (h ^ b) * 16777619u;
        }

        h ^= h >> 15;
        h *= 0x2c1b3c6du;
        h ^= h >> 12;
        return (int)(h & 0x7FFFFFFF);
    }
}
