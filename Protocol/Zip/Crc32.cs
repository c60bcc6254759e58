namespace ModMesh.Protocol.Zip;

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip and Go's hash/crc32 compute it.</summary>
internal struct Crc32
{
    private static readonly uint[] Table = BuildTable();

    private uint _state;

    public Crc32()
    {
        _state = 0xFFFFFFFFu;
    }

    public readonly uint Value => ~_state;

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
