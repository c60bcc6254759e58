namespace ModMesh.Protocol.Zip;

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip and Go's hash/crc32 compute it.</summary>
public struct Crc32
{
    private static readonly uint[] Table = BuildTable();

    private uint _state;

    /// <summary>A CRC over no bytes yet.</summary>
    public Crc32()
    {
        _state = 0xFFFFFFFFu;
    }

    /// <summary>The CRC of everything appended so far.</summary>
    public readonly uint Value => ~_state;

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }

    /// <summary>Adds <paramref name="data"/>.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        var table = Table;
        var crc = _state;
        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _state = crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
