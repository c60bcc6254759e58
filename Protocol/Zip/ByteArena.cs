namespace ModMesh.Protocol.Zip;

/// <summary>
/// Append-only storage of small byte records in 1 MiB chunks, addressed by an int handle (chunk index × 1 MiB +
/// offset; handles grow in allocation order). A record never spans chunks; one larger than a chunk gets a chunk of its own size.
/// </summary>
internal sealed class ByteArena
{
    private const int ChunkBits = 20;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<byte[]> _chunks = [];
    private int _used = ChunkSize;

    /// <summary>Bytes held by the arena's chunks.</summary>
    public long Capacity => _chunks.Sum(c => (long)c.Length);

    public int Allocate(int size, out Span<byte> record)
    {
        if (size > ChunkSize - _used || _chunks.Count == 0)
        {
            if (_chunks.Count >= (int.MaxValue >> ChunkBits))
            {
                throw new InvalidOperationException("more than 2 GiB of zip entry names");
            }

            // A record larger than a chunk gets a chunk of its own; the handle's offset part stays 0.
            _chunks.Add(new byte[Math.Max(ChunkSize, size)]);
            _used = 0;
        }

        var chunk = _chunks.Count - 1;
        var handle = (chunk << ChunkBits) | _used;
        record = _chunks[chunk].AsSpan(_used, size);
        _used = size > ChunkSize ? ChunkSize : _used + size;
        return handle;
    }

    /// <summary>The bytes from the record's start to its chunk's end (the caller knows the record's layout).</summary>
    public ReadOnlySpan<byte> At(int handle) => _chunks[handle >> ChunkBits].AsSpan(handle & (ChunkSize - 1));
}
