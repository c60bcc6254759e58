using System.Numerics;
using System.Security.Cryptography;

namespace ModMesh.Protocol.Sumdb;

/// <summary>
/// The transparency log of a Go checksum database (golang.org/x/mod/sumdb/tlog; RFC 6962 hashing): record and node
/// hashes, the numbering of stored hashes, tree hashes, and record-inclusion and tree-consistency proofs.
/// </summary>
/// <remarks>
/// A log of N records is a Merkle tree whose complete subtrees are "stored hashes": the hash of records
/// [n·2^L, (n+1)·2^L) at level L has the stored-hash index <see cref="StoredHashIndex"/>(L, n), numbered in the order
/// the hashes come into being as records are appended. Proofs are lists of hashes ordered from the leaf upwards.
/// </remarks>
public static class Tlog
{
    /// <summary>The hash of an empty tree: SHA-256 of nothing.</summary>
    public static TlogHash EmptyTreeHash { get; } = TlogHash.Sha256([]);

    /// <summary>The hash of a record: SHA-256(0x00 || data).</summary>
    public static TlogHash RecordHash(ReadOnlySpan<byte> data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(data);
        return TlogHash.FromBytes(sha.GetHashAndReset());
    }

    /// <summary>The hash of an inner node: SHA-256(0x01 || left || right).</summary>
    public static TlogHash NodeHash(TlogHash left, TlogHash right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * TlogHash.Size];
        buffer[0] = 0x01;
        left.Bytes.CopyTo(buffer[1..]);
        right.Bytes.CopyTo(buffer[(1 + TlogHash.Size)..]);
        return TlogHash.Sha256(buffer);
    }

    /// <summary>
    /// The index, in the sequence of stored hashes, of the hash of the <paramref name="n"/>th subtree of 2^level
    /// records at <paramref name="level"/> (level 0: the record hashes).
    /// </summary>
    public static long StoredHashIndex(int level, long n)
    {
        // The hash comes into being when the last record of the subtree, number (n+1)·2^level − 1, is appended:
        // before that record, one hash per record and per completed subtree was stored.
        for (var l = level; l > 0; l--)
        {
            n = 2 * n + 1;
        }

        long index = 0;
        for (; n > 0; n >>= 1)
        {
            index += n;
        }

        return index + level;
    }

    /// <summary>The inverse of <see cref="StoredHashIndex"/>: the level and number of a stored hash.</summary>
    public static (int Level, long N) SplitStoredHashIndex(long index)
    {
        // StoredHashIndex(0, n) is below 2n, so n is at least index/2; walk forward over the records from there.
        var n = index / 2;
        var indexOfN = StoredHashIndex(0, n);
        while (true)
        {
            // After record n come the hashes it completes: as many as n+1 has trailing zero bits.
            var next = indexOfN + 1 + BitOperations.TrailingZeroCount((ulong)(n + 1));
            if (next > index)
            {
                break;
            }

            n++;
            indexOfN = next;
        }

        var level = (int)(index - indexOfN);
        return (level, n >> level);
    }

    /// <summary>How many hashes are stored for a log of <paramref name="n"/> records.</summary>
    public static long StoredHashCount(long n)
    {
        if (n == 0)
        {
            return 0;
        }

        var count = StoredHashIndex(0, n - 1) + 1;
        for (var i = (ulong)(n - 1); (i & 1) != 0; i >>= 1)
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// The hashes to store when record <paramref name="n"/> (with <paramref name="data"/>) is appended to a log of n
    /// records: its record hash, then one hash per subtree it completes. <paramref name="reader"/> gives the
    /// hashes already stored.
    /// </summary>
    public static IReadOnlyList<TlogHash> StoredHashes(long n, ReadOnlySpan<byte> data, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var hash = RecordHash(data);
        var completed = BitOperations.TrailingZeroCount((ulong)(n + 1));
        var siblings = new long[completed];
        for (var i = 0; i < completed; i++)
        {
            // The left sibling at level i of the new subtree, nearest (lowest) first, read in reverse order.
            siblings[completed - 1 - i] = StoredHashIndex(i, (n >> i) - 1);
        }

        var old = completed == 0 ? [] : reader.ReadHashes(siblings);
        if (old.Count != completed)
        {
            throw new ChecksumDatabaseException($"tlog: asked for {completed} hashes, got {old.Count}");
        }

        var result = new List<TlogHash>(completed + 1) { hash };
        for (var i = 0; i < completed; i++)
        {
            hash = NodeHash(old[completed - 1 - i], hash);
            result.Add(hash);
        }

        return result;
    }

    /// <summary>The hash of the tree of the first <paramref name="n"/> records.</summary>
    public static TlogHash TreeHash(long n, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (n == 0)
        {
            return EmptyTreeHash;
        }

        var indexes = SubtreeIndexes(0, n);
        var hashes = Read(reader, indexes);
        var position = 0;
        var hash = CombineSubtrees(0, n, hashes, ref position);
        return position == hashes.Count ? hash : throw new InvalidOperationException("tlog: index arithmetic");
    }

    /// <summary>
    /// The stored-hash indexes of the maximal complete subtrees that make up records [lo, hi), left to right.
    /// </summary>
    public static IReadOnlyList<long> SubtreeIndexes(long lo, long hi)
    {
        var need = new List<long>();
        AppendSubtreeIndexes(lo, hi, need);
        return need;
    }

    /// <summary>The stored-hash indexes <see cref="BuildRecordProof"/> needs to prove record n in a tree of size t.</summary>
    public static IReadOnlyList<long> RecordProofIndexes(long t, long n)
    {
        CheckRecordArguments(t, n);
        var need = new List<long>();
        AppendRecordProofIndexes(0, t, n, need);
        return need;
    }

    /// <summary>Builds the inclusion proof of record n in a tree of size t from the hashes at <see cref="RecordProofIndexes"/>.</summary>
    public static IReadOnlyList<TlogHash> BuildRecordProof(long t, long n, IReadOnlyList<TlogHash> hashes)
    {
        CheckRecordArguments(t, n);
        ArgumentNullException.ThrowIfNull(hashes);
        var proof = new List<TlogHash>();
        var position = 0;
        BuildRecordProof(0, t, n, hashes, ref position, proof);
        return position == hashes.Count ? proof : throw new ArgumentException("more hashes than the proof needs", nameof(hashes));
    }

    /// <summary>The proof that record n is in the tree of size t (its hashes read from <paramref name="reader"/>).</summary>
    public static IReadOnlyList<TlogHash> ProveRecord(long t, long n, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var indexes = RecordProofIndexes(t, n);
        return BuildRecordProof(t, n, indexes.Count == 0 ? [] : Read(reader, indexes));
    }

    /// <summary>
    /// True when <paramref name="proof"/> shows that the record with hash <paramref name="recordHash"/> is record
    /// <paramref name="n"/> of the tree of size <paramref name="t"/> whose hash is <paramref name="treeHash"/>.
    /// </summary>
    public static bool CheckRecord(IReadOnlyList<TlogHash> proof, long t, TlogHash treeHash, long n, TlogHash recordHash)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (t <= 0 || n < 0 || n >= t)
        {
            return false;
        }

        var remaining = proof.Count;
        return RunRecordProof(proof, ref remaining, 0, t, n, recordHash) is { } root && remaining == 0 && root == treeHash;
    }

    /// <summary>The stored-hash indexes <see cref="BuildTreeProof"/> needs to prove the tree of size n a prefix of the tree of size t.</summary>
    public static IReadOnlyList<long> TreeProofIndexes(long t, long n)
    {
        CheckTreeArguments(t, n);
        var need = new List<long>();
        AppendTreeProofIndexes(0, t, n, need);
        return need;
    }

    /// <summary>Builds the consistency proof of trees n ≤ t from the hashes at <see cref="TreeProofIndexes"/>.</summary>
    public static IReadOnlyList<TlogHash> BuildTreeProof(long t, long n, IReadOnlyList<TlogHash> hashes)
    {
        CheckTreeArguments(t, n);
        ArgumentNullException.ThrowIfNull(hashes);
        var proof = new List<TlogHash>();
        var position = 0;
        BuildTreeProof(0, t, n, hashes, ref position, proof);
        return position == hashes.Count ? proof : throw new ArgumentException("more hashes than the proof needs", nameof(hashes));
    }

    /// <summary>The proof that the tree of size n is a prefix of the tree of size t (its hashes read from <paramref name="reader"/>).</summary>
    public static IReadOnlyList<TlogHash> ProveTree(long t, long n, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var indexes = TreeProofIndexes(t, n);
        return BuildTreeProof(t, n, indexes.Count == 0 ? [] : Read(reader, indexes));
    }

    /// <summary>
    /// True when <paramref name="proof"/> shows that the tree of size <paramref name="n"/> with hash
    /// <paramref name="oldHash"/> is a prefix of the tree of size <paramref name="t"/> with hash <paramref name="treeHash"/>.
    /// </summary>
    public static bool CheckTree(IReadOnlyList<TlogHash> proof, long t, TlogHash treeHash, long n, TlogHash oldHash)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (t < 1 || n < 1 || n > t)
        {
            return false;
        }

        var remaining = proof.Count;
        return RunTreeProof(proof, ref remaining, 0, t, n, oldHash) is { } hashes && remaining == 0 &&
            hashes.Old == oldHash && hashes.New == treeHash;
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (1 for n ≤ 2), and its exponent.</summary>
    internal static (long K, int Level) LargestPowerOfTwoBelow(long n)
    {
        var level = 0;
        while ((1L << (level + 1)) < n)
        {
            level++;
        }

        return (1L << level, level);
    }

    internal static void AppendSubtreeIndexes(long lo, long hi, List<long> need)
    {
        while (lo < hi)
        {
            var (k, level) = LargestPowerOfTwoBelow(hi - lo + 1);
            if ((lo & (k - 1)) != 0)
            {
                throw new InvalidOperationException("tlog: subtree not aligned");
            }

            need.Add(StoredHashIndex(level, lo >> level));
            lo += k;
        }
    }

    /// <summary>Combines the hashes of the subtrees of [lo, hi) (as listed by <see cref="SubtreeIndexes"/>) into one.</summary>
    internal static TlogHash CombineSubtrees(long lo, long hi, IReadOnlyList<TlogHash> hashes, ref int position)
    {
        var count = 0;
        while (lo < hi)
        {
            var (k, _) = LargestPowerOfTwoBelow(hi - lo + 1);
            count++;
            lo += k;
        }

        if (count == 0 || position + count > hashes.Count)
        {
            throw new ArgumentException("too few hashes for the subtrees", nameof(hashes));
        }

        // Right to left: the rightmost (smallest) subtree is the deepest.
        var hash = hashes[position + count - 1];
        for (var i = count - 2; i >= 0; i--)
        {
            hash = NodeHash(hashes[position + i], hash);
        }

        position += count;
        return hash;
    }

    private static IReadOnlyList<TlogHash> Read(IHashReader reader, IReadOnlyList<long> indexes)
    {
        var hashes = reader.ReadHashes(indexes);
        return hashes.Count == indexes.Count
            ? hashes
            : throw new ChecksumDatabaseException($"tlog: asked for {indexes.Count} hashes, got {hashes.Count}");
    }

    private static void CheckRecordArguments(long t, long n)
    {
        if (t <= 0 || n < 0 || n >= t)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"record {n} is not in a tree of size {t}");
        }
    }

    private static void CheckTreeArguments(long t, long n)
    {
        if (t < 1 || n < 1 || n > t)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"tree sizes {n} and {t} cannot be compared");
        }
    }

    // The recursions below split [lo, hi) at lo+k, k the largest power of two below hi−lo, as the tree does.
    private static void AppendRecordProofIndexes(long lo, long hi, long n, List<long> need)
    {
        if (lo + 1 == hi)
        {
            return;
        }

        var (k, _) = LargestPowerOfTwoBelow(hi - lo);
        if (n < lo + k)
        {
            AppendRecordProofIndexes(lo, lo + k, n, need);
            AppendSubtreeIndexes(lo + k, hi, need);
        }
        else
        {
            AppendSubtreeIndexes(lo, lo + k, need);
            AppendRecordProofIndexes(lo + k, hi, n, need);
        }
    }

    private static void BuildRecordProof(long lo, long hi, long n, IReadOnlyList<TlogHash> hashes, ref int position, List<TlogHash> proof)
    {
        if (lo + 1 == hi)
        {
            return;
        }

        var (k, _) = LargestPowerOfTwoBelow(hi - lo);
        TlogHash sibling;
        if (n < lo + k)
        {
            BuildRecordProof(lo, lo + k, n, hashes, ref position, proof);
            sibling = CombineSubtrees(lo + k, hi, hashes, ref position);
        }
        else
        {
            sibling = CombineSubtrees(lo, lo + k, hashes, ref position);
            BuildRecordProof(lo + k, hi, n, hashes, ref position, proof);
        }

        proof.Add(sibling);
    }

    // Consumes the proof from its end (the top of the tree) downwards; remaining counts the unconsumed prefix.
    private static TlogHash? RunRecordProof(IReadOnlyList<TlogHash> proof, ref int remaining, long lo, long hi, long n, TlogHash leaf)
    {
        if (lo + 1 == hi)
        {
            return leaf;
        }

        if (remaining == 0)
        {
            return null;
        }

        var sibling = proof[--remaining];
        var (k, _) = LargestPowerOfTwoBelow(hi - lo);
        if (n < lo + k)
        {
            return RunRecordProof(proof, ref remaining, lo, lo + k, n, leaf) is { } left ? NodeHash(left, sibling) : null;
        }

        return RunRecordProof(proof, ref remaining, lo + k, hi, n, leaf) is { } right ? NodeHash(sibling, right) : null;
    }

    private static void AppendTreeProofIndexes(long lo, long hi, long n, List<long> need)
    {
        if (n == hi)
        {
            if (lo != 0)
            {
                AppendSubtreeIndexes(lo, hi, need);
            }

            return;
        }

        var (k, _) = LargestPowerOfTwoBelow(hi - lo);
        if (n <= lo + k)
        {
            AppendTreeProofIndexes(lo, lo + k, n, need);
            AppendSubtreeIndexes(lo + k, hi, need);
        }
        else
        {
            AppendSubtreeIndexes(lo, lo + k, need);
            AppendTreeProofIndexes(lo + k, hi, n, need);
        }
    }

    private static void BuildTreeProof(long lo, long hi, long n, IReadOnlyList<TlogHash> hashes, ref int position, List<TlogHash> proof)
    {
        if (n == hi)
        {
            if (lo != 0)
            {
                proof.Add(CombineSubtrees(lo, hi, hashes, ref position));
            }

            return;
        }

        var (k, _) = LargestPowerOfTwoBelow(hi - lo);
        TlogHash sibling;
        if (n <= lo + k)
        {
            BuildTreeProof(lo, lo + k, n, hashes, ref position, proof);
            sibling = CombineSubtrees(lo + k, hi, hashes, ref position);
        }
        else
        {
            sibling = CombineSubtrees(lo, lo + k, hashes, ref position);
            BuildTreeProof(lo + k, hi, n, hashes, ref position, proof);
        }

        proof.Add(sibling);
    }

    // Returns the hash of the old tree's part within [lo, hi) and the hash of [lo, hi) itself.
    private static (TlogHash Old, TlogHash New)? RunTreeProof(IReadOnlyList<TlogHash> proof, ref int remaining, long lo, long hi, long n, TlogHash old)
    {
        if (n == hi)
        {
            if (lo == 0)
            {
                // The old tree is this whole subtree: the checker knows its hash.
                return (old, old);
            }

            if (remaining == 0)
            {
                return null;
            }

            var whole = proof[--remaining];
            return (whole, whole);
        }

        if (remaining == 0)
        {
            return null;
        }

        var sibling = proof[--remaining];
        var (k, _) = LargestPowerOfTwoBelow(hi - lo);
        if (n <= lo + k)
        {
            return RunTreeProof(proof, ref remaining, lo, lo + k, n, old) is { } left ? (left.Old, NodeHash(left.New, sibling)) : null;
        }

        return RunTreeProof(proof, ref remaining, lo + k, hi, n, old) is { } right
            ? (NodeHash(sibling, right.Old), NodeHash(sibling, right.New))
            : null;
    }
}
