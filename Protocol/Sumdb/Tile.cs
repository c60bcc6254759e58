using System.Globalization;
using System.Text;

namespace ModMesh.Protocol.Sumdb;

/// <summary>
/// A tile of a transparency log (golang.org/x/mod/sumdb/tlog): the stored hashes of one level of the tiling,
/// <see cref="Width"/> consecutive hashes starting at <see cref="Number"/>·2^<see cref="Height"/>, at hash level
/// <see cref="Level"/>·<see cref="Height"/>. Level −1 names the record data tiles. A tile of width 2^Height is
/// complete (and immutable); a narrower one is partial.
/// </summary>
/// <param name="Height">Height of the tiling (1–30; sum.golang.org uses 8).</param>
/// <param name="Level">Level in the tiling (−1 for data tiles, 0–63).</param>
/// <param name="Number">Number of the tile within its level.</param>
/// <param name="Width">Number of hashes (1 to 2^Height).</param>
public readonly record struct Tile(int Height, int Level, long Number, int Width)
{
    private const int PathBase = 1000;

    /// <summary>True for a complete tile (2^Height hashes).</summary>
    public bool IsComplete => Width == 1 << Height;

    /// <summary>The tile's path below the database's URL: "tile/H/L/NNN[.p/W]", with N written "x001/x234/567".</summary>
    public string Path
    {
        get
        {
            var number = new StringBuilder();
            var n = Number;
            number.Append((n % PathBase).ToString("D3", CultureInfo.InvariantCulture));
            while (n >= PathBase)
            {
                n /= PathBase;
                number.Insert(0, $"x{(n % PathBase).ToString("D3", CultureInfo.InvariantCulture)}/");
            }

            var level = Level == -1 ? "data" : Level.ToString(CultureInfo.InvariantCulture);
            var partial = IsComplete ? "" : $".p/{Width.ToString(CultureInfo.InvariantCulture)}";
            return $"tile/{Height.ToString(CultureInfo.InvariantCulture)}/{level}/{number}{partial}";
        }
    }

    /// <summary>The tile that holds the stored hash at <paramref name="index"/> in a tiling of height <paramref name="height"/>, just wide enough to hold it.</summary>
    public static Tile ForIndex(int height, long index) => Locate(height, index).Tile;

    /// <summary>Parses a tile path as written by <see cref="Path"/> (the only accepted spelling).</summary>
    public static bool TryParse(string path, out Tile tile)
    {
        tile = default;
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var parts = path.Split('/');
        if (parts.Length < 4 || parts[0] != "tile" || !TryParseSmall(parts[1], out var height) || height is < 1 or > 30)
        {
            return false;
        }

        int level;
        if (parts[2] == "data")
        {
            level = -1;
        }
        else if (!TryParseSmall(parts[2], out level) || level > 63)
        {
            return false;
        }

        var width = 1 << height;
        var numberParts = parts.AsSpan(3);
        var last = numberParts[^1];
        if (numberParts.Length >= 2 && numberParts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryParseSmall(last, out var partial) || partial <= 0 || partial >= width)
            {
                return false;
            }

            width = partial;
            var copy = numberParts[..^1].ToArray();
            copy[^1] = copy[^1][..^2];
            numberParts = copy;
        }

        long number = 0;
        foreach (var part in numberParts)
        {
            var digits = part.StartsWith('x') ? part[1..] : part;
            if (!TryParseSmall(digits, out var group) || group >= PathBase || number > (long.MaxValue - group) / PathBase)
            {
                return false;
            }

            number = number * PathBase + group;
        }

        var parsed = new Tile(height, level, number, width);
        if (parsed.Path != path)
        {
            return false;
        }

        tile = parsed;
        return true;
    }

    /// <summary>
    /// The stored hash at <paramref name="index"/>, computed from the data of this tile (<see cref="Width"/> hashes of
    /// 32 bytes; the hash may sit at a level above the tile's bottom level, then it is hashed from the bottom hashes).
    /// </summary>
    /// <exception cref="ChecksumDatabaseException">The index is not in this tile, or the data is too short.</exception>
    public TlogHash HashAt(ReadOnlySpan<byte> data, long index)
    {
        if (Height is < 1 or > 30 || Level is < 0 or >= 64 || Width < 1 || Width > 1 << Height)
        {
            throw new ChecksumDatabaseException($"invalid tile {Path}");
        }

        if (data.Length < Width * TlogHash.Size)
        {
            throw new ChecksumDatabaseException($"data of {data.Length} bytes too short for tile {Path}");
        }

        var (home, start, end) = Locate(Height, index);
        if (home.Level != Level || home.Number != Number || home.Width > Width)
        {
            throw new ChecksumDatabaseException($"index {index} is in {home.Path}, not {Path}");
        }

        return HashOfSpan(data[start..end]);
    }

    /// <summary>The hash of a run of a power-of-two number of consecutive bottom hashes of a tile: their subtree's hash.</summary>
    public static TlogHash HashOfSpan(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0 || data.Length % TlogHash.Size != 0)
        {
            throw new ArgumentException("tile data must hold whole hashes", nameof(data));
        }

        if (data.Length == TlogHash.Size)
        {
            return TlogHash.FromBytes(data);
        }

        var half = data.Length / 2;
        return Tlog.NodeHash(HashOfSpan(data[..half]), HashOfSpan(data[half..]));
    }

    /// <summary>The data of <paramref name="tile"/> (its bottom hashes, concatenated) read from stored hashes.</summary>
    public static byte[] ReadData(Tile tile, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var start = tile.Number << tile.Height;
        var indexes = new long[tile.Width];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = Tlog.StoredHashIndex(tile.Height * tile.Level, start + i);
        }

        var hashes = reader.ReadHashes(indexes);
        if (hashes.Count != indexes.Length)
        {
            throw new ChecksumDatabaseException($"tlog: asked for {indexes.Length} hashes, got {hashes.Count}");
        }

        var data = new byte[indexes.Length * TlogHash.Size];
        for (var i = 0; i < hashes.Count; i++)
        {
            hashes[i].Bytes.CopyTo(data.AsSpan(i * TlogHash.Size));
        }

        return data;
    }

    /// <summary>
    /// The tile <paramref name="levels"/> levels up from this one, as it is in a tree of <paramref name="treeSize"/>
    /// records (partial when the tree ends inside it), or null when the tree holds nothing of it.
    /// </summary>
    public Tile? Parent(int levels, long treeSize)
    {
        var level = Level + levels;
        var number = ShiftRight(Number, levels * Height);
        var width = 1L << Height;
        var available = ShiftRight(treeSize, level * Height);
        var first = number << Height;
        if (first + width >= available)
        {
            if (first >= available)
            {
                return null;
            }

            width = available - first;
        }

        return new Tile(Height, level, number, (int)width);
    }

    private static long ShiftRight(long value, int bits) => bits >= 63 ? 0 : value >> bits;

    private static (Tile Tile, int Start, int End) Locate(int height, long index)
    {
        if (height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(height), "a tile height is positive");
        }

        var (level, n) = Tlog.SplitStoredHashIndex(index);
        var tileLevel = level / height;
        level -= tileLevel * height; // the level within the tile
        var number = (n << level) >> height;
        n -= (number << height) >> level; // the position within the tile, at that level
        var width = (int)((n + 1) << level);
        return (new Tile(height, tileLevel, number, width), (int)(n << level) * TlogHash.Size, (int)((n + 1) << level) * TlogHash.Size);
    }

    private static bool TryParseSmall(string text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 9 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
