using System.Security.Cryptography;
using System.Text;
using ModMesh.Protocol.Sumdb;

namespace ModMesh.Protocol.Tests.Sumdb;

/// <summary>Transparency-log hashing, numbering, proofs and tiles, against trees built here.</summary>
public sealed class TlogTests
{
    private const int MaxSize = 300;

    /// <summary>A log built with <see cref="Tlog.StoredHashes"/>, as a checksum database keeps it.</summary>
    private sealed class MemoryLog : IHashReader
    {
        public List<TlogHash> Stored { get; } = [];

        public List<byte[]> Records { get; } = [];

        public HashSet<long> Tampered { get; } = [];

        public static MemoryLog Build(int size)
        {
            var log = new MemoryLog();
            for (var i = 0; i < size; i++)
            {
                log.Append(Encoding.UTF8.GetBytes($"record {i}\n"));
            }

            return log;
        }

        public void Append(byte[] record)
        {
            Stored.AddRange(Tlog.StoredHashes(Records.Count, record, this));
            Records.Add(record);
        }

        public IReadOnlyList<TlogHash> ReadHashes(IReadOnlyList<long> indexes) =>
            indexes.Select(i => Tampered.Contains(i) ? Tlog.RecordHash("tampered"u8) : Stored[(int)i]).ToList();
    }

    /// <summary>Tiles cut from a memory log; counts reads; can serve a tampered byte.</summary>
    private sealed class MemoryTiles(MemoryLog log, int height) : ITileReader
    {
        public int Height => height;

        public Tile? Corrupt { get; set; }

        public int Reads { get; private set; }

        public Task<IReadOnlyList<byte[]>> ReadTilesAsync(IReadOnlyList<Tile> tiles, CancellationToken cancellationToken)
        {
            Reads += tiles.Count;
            IReadOnlyList<byte[]> data = tiles.Select(t =>
            {
                var bytes = Tile.ReadData(t, log);
                if (t == Corrupt)
                {
                    bytes[5] ^= 0x40;
                }

                return bytes;
            }).ToList();
            return Task.FromResult(data);
        }

        public void SaveTiles(IReadOnlyList<Tile> tiles, IReadOnlyList<byte[]> data)
        {
        }
    }

    // RFC 6962's definition, written out plainly: the reference the log's arithmetic is checked against.
    private static TlogHash ReferenceHash(IReadOnlyList<byte[]> records, int lo, int hi)
    {
        if (hi - lo == 1)
        {
            return TlogHash.FromBytes(SHA256.HashData([0x00, .. records[lo]]));
        }

        var k = 1;
        while (k * 2 < hi - lo)
        {
            k *= 2;
        }

        return TlogHash.FromBytes(SHA256.HashData([0x01, .. ReferenceHash(records, lo, lo + k).Bytes, .. ReferenceHash(records, lo + k, hi).Bytes]));
    }

    [Fact]
    public void RecordHash_GoVector()
    {
        // golang.org/x/mod/sumdb/tlog/note_test.go: the tree hash there is RecordHash("hello world").
        Assert.Equal("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=", Tlog.RecordHash("hello world"u8).ToString());
    }

    [Fact]
    public void StoredHashIndex_SplitRoundTrips_AndCountsMatch()
    {
        for (var level = 0; level < 10; level++)
        {
            for (long n = 0; n < 500; n++)
            {
                Assert.Equal((level, n), Tlog.SplitStoredHashIndex(Tlog.StoredHashIndex(level, n)));
            }
        }

        var log = MemoryLog.Build(MaxSize);
        for (var size = 0; size <= MaxSize; size++)
        {
            Assert.Equal(MemoryLog.Build(size).Stored.Count, Tlog.StoredHashCount(size));
        }

        Assert.Equal(Tlog.StoredHashCount(MaxSize), log.Stored.Count);
    }

    [Fact]
    public void TreeHash_Sizes1To300_MatchRfc6962()
    {
        var log = MemoryLog.Build(MaxSize);
        Assert.Equal(Tlog.EmptyTreeHash, Tlog.TreeHash(0, log));
        for (var size = 1; size <= MaxSize; size++)
        {
            Assert.Equal(ReferenceHash(log.Records, 0, size), Tlog.TreeHash(size, log));
        }
    }

    [Fact]
    public void RecordProof_EveryRecordOfEverySize_Verifies()
    {
        var log = MemoryLog.Build(MaxSize);
        for (var size = 1; size <= MaxSize; size++)
        {
            var root = Tlog.TreeHash(size, log);
            for (var n = 0; n < size; n++)
            {
                var proof = Tlog.ProveRecord(size, n, log);
                var leaf = Tlog.RecordHash(log.Records[n]);
                Assert.True(Tlog.CheckRecord(proof, size, root, n, leaf), $"record {n} in tree {size}");
                if (n + 1 < size)
                {
                    Assert.False(Tlog.CheckRecord(proof, size, root, n + 1, leaf), $"record {n} claimed as {n + 1} in tree {size}");
                }
            }
        }
    }

    [Fact]
    public void RecordProof_TamperedAnywhere_Fails()
    {
        var log = MemoryLog.Build(MaxSize);
        foreach (var (size, n) in new[] { (1, 0), (2, 1), (7, 3), (256, 255), (257, 256), (300, 0), (300, 137), (300, 299) })
        {
            var root = Tlog.TreeHash(size, log);
            var leaf = Tlog.RecordHash(log.Records[n]);
            var proof = Tlog.ProveRecord(size, n, log);

            Assert.False(Tlog.CheckRecord(proof, size, root, n, Tlog.RecordHash("other"u8)));
            Assert.False(Tlog.CheckRecord(proof, size, Tlog.RecordHash("other root"u8), n, leaf));
            for (var i = 0; i < proof.Count; i++)
            {
                var bent = proof.ToList();
                bent[i] = Tlog.NodeHash(bent[i], bent[i]);
                Assert.False(Tlog.CheckRecord(bent, size, root, n, leaf), $"hash {i} of the proof of {n} in {size}");
            }

            foreach (var index in Tlog.RecordProofIndexes(size, n))
            {
                log.Tampered.Add(index);
                Assert.False(Tlog.CheckRecord(Tlog.ProveRecord(size, n, log), size, root, n, leaf), $"stored hash {index} tampered, record {n} in {size}");
                log.Tampered.Clear();
            }

            Assert.False(Tlog.CheckRecord([.. proof, root], size, root, n, leaf));
            if (proof.Count > 0)
            {
                Assert.False(Tlog.CheckRecord(proof.Skip(1).ToList(), size, root, n, leaf));
            }
        }
    }

    [Fact]
    public void TreeProof_EveryPairOfSizes_Verifies()
    {
        var log = MemoryLog.Build(MaxSize);
        var roots = Enumerable.Range(0, MaxSize + 1).Select(s => Tlog.TreeHash(s, log)).ToArray();
        for (var t = 1; t <= MaxSize; t++)
        {
            for (var n = 1; n <= t; n++)
            {
                var proof = Tlog.ProveTree(t, n, log);
                Assert.True(Tlog.CheckTree(proof, t, roots[t], n, roots[n]), $"tree {n} in tree {t}");
            }
        }
    }

    [Fact]
    public void TreeProof_TamperedOrForked_Fails()
    {
        var log = MemoryLog.Build(MaxSize);
        foreach (var (t, n) in new[] { (2, 1), (8, 3), (9, 8), (256, 100), (300, 256), (300, 299), (300, 1) })
        {
            var proof = Tlog.ProveTree(t, n, log);
            var newRoot = Tlog.TreeHash(t, log);
            var oldRoot = Tlog.TreeHash(n, log);

            Assert.False(Tlog.CheckTree(proof, t, newRoot, n, Tlog.RecordHash("fork"u8)));
            Assert.False(Tlog.CheckTree(proof, t, Tlog.RecordHash("fork"u8), n, oldRoot));
            for (var i = 0; i < proof.Count; i++)
            {
                var bent = proof.ToList();
                bent[i] = Tlog.NodeHash(bent[i], bent[i]);
                Assert.False(Tlog.CheckTree(bent, t, newRoot, n, oldRoot), $"hash {i} of the proof of {n} in {t}");
            }

            // A log that rewrote an old record cannot prove its new tree extends the old one.
            var forked = new MemoryLog();
            for (var i = 0; i < t; i++)
            {
                forked.Append(i == n - 1 ? "rewritten\n"u8.ToArray() : log.Records[i]);
            }

            var forkedRoot = Tlog.TreeHash(t, forked);
            Assert.False(Tlog.CheckTree(Tlog.ProveTree(t, n, forked), t, forkedRoot, n, oldRoot), $"fork of record {n - 1} in {t}");
        }
    }

    [Theory]
    [InlineData("tile/4/0/001", 4, 0, 1L, 16)]
    [InlineData("tile/4/0/001.p/5", 4, 0, 1L, 5)]
    [InlineData("tile/3/5/x123/x456/078", 3, 5, 123456078L, 8)]
    [InlineData("tile/3/5/x123/x456/078.p/2", 3, 5, 123456078L, 2)]
    [InlineData("tile/1/0/x003/x057/500", 1, 0, 3057500L, 2)]
    [InlineData("tile/1/data/x003/x057/500", 1, -1, 3057500L, 2)]
    [InlineData("tile/8/0/x001/234", 8, 0, 1234L, 256)]
    [InlineData("tile/8/1/000.p/17", 8, 1, 0L, 17)]
    public void TilePath_GoVectors_RoundTrip(string path, int height, int level, long number, int width)
    {
        var tile = new Tile(height, level, number, width);

        Assert.Equal(path, tile.Path);
        Assert.True(Tile.TryParse(path, out var parsed));
        Assert.Equal(tile, parsed);
    }

    [Theory]
    [InlineData("tile/3/5/123/456/078")]
    [InlineData("tile/3/-1/123/456/078")]
    [InlineData("tile/8/0/1234")]
    [InlineData("tile/8/0/001.p/256")]
    [InlineData("tile/8/0/001.p/0")]
    [InlineData("tile/0/0/001")]
    [InlineData("tile/8/0")]
    [InlineData("tiles/8/0/001")]
    public void TilePath_Malformed_Rejected(string path)
    {
        Assert.False(Tile.TryParse(path, out _));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task TileHashReader_EveryRecordOfEverySize_ReadsAuthenticHashes(int height)
    {
        var log = MemoryLog.Build(MaxSize);
        for (var size = 1; size <= MaxSize; size += size < 40 ? 1 : 13)
        {
            var tree = new TlogTree(size, Tlog.TreeHash(size, log));
            var reader = new TileHashReader(tree, new MemoryTiles(log, height));
            var indexes = Enumerable.Range(0, size).Select(n => Tlog.StoredHashIndex(0, n)).ToList();

            var hashes = await reader.ReadHashesAsync(indexes, CancellationToken.None);

            Assert.Equal(log.Records.Take(size).Select(r => Tlog.RecordHash(r)), hashes);

            // And the proofs built from tile-read hashes verify.
            foreach (var n in new[] { 0, size / 2, size - 1 })
            {
                var proofHashes = await reader.ReadHashesAsync(Tlog.RecordProofIndexes(size, n), CancellationToken.None);
                var proof = Tlog.BuildRecordProof(size, n, proofHashes);
                Assert.True(Tlog.CheckRecord(proof, size, tree.Hash, n, Tlog.RecordHash(log.Records[n])));
            }
        }
    }

    [Fact]
    public async Task TileHashReader_TamperedTile_Throws()
    {
        var log = MemoryLog.Build(MaxSize);
        var tree = new TlogTree(MaxSize, Tlog.TreeHash(MaxSize, log));
        var index = Tlog.StoredHashIndex(0, 5);
        foreach (var corrupt in new[] { Tile.ForIndex(2, index) with { Width = 4 }, new Tile(2, 1, 0, 4), new Tile(2, 3, 0, 4) })
        {
            var tiles = new MemoryTiles(log, 2) { Corrupt = corrupt };

            await Assert.ThrowsAsync<ChecksumDatabaseException>(() => new TileHashReader(tree, tiles).ReadHashesAsync([index], CancellationToken.None));
        }
    }

    [Fact]
    public async Task TileHashReader_TreeHashNotTheLogs_Throws()
    {
        var log = MemoryLog.Build(20);
        var tree = new TlogTree(20, Tlog.TreeHash(19, log));

        await Assert.ThrowsAsync<ChecksumDatabaseException>(() =>
            new TileHashReader(tree, new MemoryTiles(log, 8)).ReadHashesAsync([Tlog.StoredHashIndex(0, 3)], CancellationToken.None));
        await Assert.ThrowsAsync<ChecksumDatabaseException>(() =>
            new TileHashReader(tree, new MemoryTiles(log, 8)).ReadHashesAsync([Tlog.StoredHashIndex(0, 20)], CancellationToken.None));
    }

    [Fact]
    public void TreeHead_GoVector_ParsesAndFormats()
    {
        const string text = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

        Assert.True(TlogTree.TryParse(text, out var tree));
        Assert.Equal(new TlogTree(123456789012, Tlog.RecordHash("hello world"u8)), tree);
        Assert.Equal(text, tree!.Format());
        Assert.True(TlogTree.TryParse(text + "extension line\n", out _));
        Assert.False(TlogTree.TryParse("not-" + text, out _));
        Assert.False(TlogTree.TryParse(text.Replace("123456789012", "0123", StringComparison.Ordinal), out _));
        Assert.False(TlogTree.TryParse(text.Replace("123456789012", "-1", StringComparison.Ordinal), out _));
        Assert.False(TlogTree.TryParse(text.Replace("TszzRg", "Tszz", StringComparison.Ordinal), out _));
        Assert.False(TlogTree.TryParse(text.TrimEnd('\n'), out _));
    }

    [Fact]
    public void Lookup_GoVector_ParsesAndFormats()
    {
        var message = SumdbLookup.Format(123456789012, "hello, world\n"u8, "note\n\n— k sig\n"u8);

        Assert.Equal("123456789012\nhello, world\n\nnote\n\n— k sig\n", Encoding.UTF8.GetString(message));
        Assert.True(SumdbLookup.TryParse(message, out var lookup));
        Assert.Equal(123456789012, lookup!.Id);
        Assert.Equal("hello, world\n", Encoding.UTF8.GetString(lookup.Text));
        Assert.Equal("note\n\n— k sig\n", Encoding.UTF8.GetString(lookup.SignedTreeHead));
        Assert.False(SumdbLookup.TryParse("x\nhello\n\n"u8, out _));
        Assert.False(SumdbLookup.TryParse("12\nhello\n"u8, out _));
        Assert.False(SumdbLookup.TryParse("12\nhel\u0001lo\n\n"u8, out _));
    }
}
