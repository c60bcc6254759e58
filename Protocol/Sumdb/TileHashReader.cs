namespace ModMesh.Protocol.Sumdb;

/// <summary>Fetches tiles of a checksum database (from a server, a cache, or memory).</summary>
public interface ITileReader
{
    /// <summary>The height of the tiling (8 for sum.golang.org).</summary>
    int Height { get; }

    /// <summary>The data of each tile (Width·32 bytes), in order. Nothing returned is trusted yet.</summary>
    /// <exception cref="ChecksumDatabaseException">A tile cannot be had.</exception>
    Task<IReadOnlyList<byte[]>> ReadTilesAsync(IReadOnlyList<Tile> tiles, CancellationToken cancellationToken);

    /// <summary>Called with tiles once they were authenticated against a tree hash: they may be cached.</summary>
    void SaveTiles(IReadOnlyList<Tile> tiles, IReadOnlyList<byte[]> data);
}

/// <summary>
/// Reads stored hashes of a tree of known size and hash from tiles, authenticating every tile before trusting it:
/// the tiles on the tree's right edge against the tree hash, every other tile against its parent tile.
/// </summary>
public sealed class TileHashReader
{
    private readonly TlogTree _tree;
    private readonly ITileReader _reader;

    /// <summary>A reader for <paramref name="tree"/>, whose hash the caller trusts (it came in a verified signed note).</summary>
    public TileHashReader(TlogTree tree, ITileReader reader)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(reader);
        _tree = tree;
        _reader = reader;
    }

    /// <summary>The authenticated hashes at <paramref name="indexes"/>.</summary>
    /// <exception cref="ChecksumDatabaseException">An index is outside the tree, a tile is missing or does not authenticate.</exception>
    public async Task<IReadOnlyList<TlogHash>> ReadHashesAsync(IReadOnlyList<long> indexes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        if (indexes.Count == 0)
        {
            return [];
        }

        if (_tree.Size == 0)
        {
            throw new ChecksumDatabaseException("hashes asked of an empty tree");
        }

        var height = _reader.Height;
        var order = new Dictionary<Tile, int>();
        var tiles = new List<Tile>();

        // First the tiles holding the tree's right-edge subtrees: together they must hash to the tree hash.
        var edge = Tlog.SubtreeIndexes(0, _tree.Size);
        var edgeTile = new int[edge.Count];
        for (var i = 0; i < edge.Count; i++)
        {
            var tile = Tile.ForIndex(height, edge[i]).Parent(0, _tree.Size)
                ?? throw new InvalidOperationException("tlog: an edge subtree outside the tree");
            edgeTile[i] = Add(order, tiles, tile);
        }

        var edgeTileCount = tiles.Count;
        var indexTile = new int[indexes.Count];
        var end = Tlog.StoredHashIndex(0, _tree.Size);
        for (var i = 0; i < indexes.Count; i++)
        {
            var index = indexes[i];
            if (index < 0 || index >= end)
            {
                throw new ChecksumDatabaseException($"stored hash {index} is not in the tree of size {_tree.Size}");
            }

            var tile = Tile.ForIndex(height, index);

            // Climb until a tile already planned; then plan the ones on the way, top down, so each tile's parent
            // comes before it.
            var levels = 0;
            for (; ; levels++)
            {
                if (levels > 64)
                {
                    throw new InvalidOperationException($"tlog: no authenticated ancestor for stored hash {index}");
                }

                if (tile.Parent(levels, _tree.Size) is { } ancestor && order.TryGetValue(ancestor, out var known))
                {
                    if (levels == 0)
                    {
                        indexTile[i] = known;
                    }

                    break;
                }
            }

            for (levels--; levels >= 0; levels--)
            {
                var step = tile.Parent(levels, _tree.Size) ?? throw new InvalidOperationException("tlog: tile outside the tree");
                if (!step.IsComplete)
                {
                    throw new InvalidOperationException($"tlog: a partial tile {step.Path} below the tree's edge");
                }

                var at = Add(order, tiles, step);
                if (levels == 0)
                {
                    indexTile[i] = at;
                }
            }
        }

        var data = await _reader.ReadTilesAsync(tiles, cancellationToken).ConfigureAwait(false);
        if (data.Count != tiles.Count)
        {
            throw new ChecksumDatabaseException($"the tile reader returned {data.Count} tiles, not {tiles.Count}");
        }

        for (var i = 0; i < tiles.Count; i++)
        {
            if (data[i] is null || data[i].Length != tiles[i].Width * TlogHash.Size)
            {
                throw new ChecksumDatabaseException($"tile {tiles[i].Path} has {data[i]?.Length ?? 0} bytes, not {tiles[i].Width * TlogHash.Size}");
            }
        }

        // The edge tiles against the tree hash.
        var last = edge.Count - 1;
        var root = tiles[edgeTile[last]].HashAt(data[edgeTile[last]], edge[last]);
        for (var i = last - 1; i >= 0; i--)
        {
            root = Tlog.NodeHash(tiles[edgeTile[i]].HashAt(data[edgeTile[i]], edge[i]), root);
        }

        if (root != _tree.Hash)
        {
            throw new ChecksumDatabaseException($"downloaded inconsistent tile: the edge of the tree of size {_tree.Size} does not hash to its signed hash");
        }

        // Every other tile against the hash its (already authenticated) parent holds for it.
        for (var i = edgeTileCount; i < tiles.Count; i++)
        {
            var tile = tiles[i];
            var parent = tile.Parent(1, _tree.Size);
            if (parent is null || !order.TryGetValue(parent.Value, out var p) || p >= i)
            {
                throw new InvalidOperationException($"tlog: lost the parent of tile {tile.Path}");
            }

            var expected = parent.Value.HashAt(data[p], Tlog.StoredHashIndex(parent.Value.Level * parent.Value.Height, tile.Number));
            if (expected != Tile.HashOfSpan(data[i]))
            {
                throw new ChecksumDatabaseException($"downloaded inconsistent tile {tile.Path}");
            }
        }

        _reader.SaveTiles(tiles, data);

        var hashes = new TlogHash[indexes.Count];
        for (var i = 0; i < indexes.Count; i++)
        {
            var j = indexTile[i];
            hashes[i] = tiles[j].HashAt(data[j], indexes[i]);
        }

        return hashes;
    }

    private static int Add(Dictionary<Tile, int> order, List<Tile> tiles, Tile tile)
    {
        if (order.TryGetValue(tile, out var existing))
        {
            return existing;
        }

        order[tile] = tiles.Count;
        tiles.Add(tile);
        return tiles.Count - 1;
    }
}
