using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ModMesh.TestSupport.Http;
using NSec.Cryptography;

namespace ModMesh.TestSupport.Sumdb;

/// <summary>
/// A tiny Go checksum database for tests, written independently of the product's client code: an Ed25519 key of its
/// own, a log of records ("mod ver h1:...\nmod ver/go.mod h1:...\n"), and the files a checksum database serves below
/// "/sumdb/{name}/": supported, latest (the signed tree head), lookup/{mod}@{ver}, tile/H/L/NNN[.p/W] and
/// tile/H/data/NNN. Tree hashes are computed straight from the RFC 6962 definition.
/// Attach it to a <see cref="ScriptedUpstream"/> and every file is published there (and again after each change).
/// </summary>
public sealed class TestChecksumDatabase : IDisposable
{
    private readonly Key _key;
    private readonly List<byte[]> _records = [];
    private readonly List<byte[]> _leafHashes = [];
    private readonly Dictionary<(long Lo, long Hi), byte[]> _subtreeHashes = [];
    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly List<ScriptedUpstream> _attached = [];
    private readonly object _gate = new();
    private readonly byte[] _publicKey;
    private readonly uint _keyHash;

    /// <summary>A database named <paramref name="name"/> with tiles of height <paramref name="tileHeight"/> (Go's is 8).</summary>
    public TestChecksumDatabase(string name = "sum.test.example", int tileHeight = 8)
    {
        Name = name;
        TileHeight = tileHeight;
        _key = Key.Create(SignatureAlgorithm.Ed25519);
        _publicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        byte[] algorithmAndKey = [0x01, .. _publicKey];
        _keyHash = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData([.. Encoding.UTF8.GetBytes(name + "\n"), .. algorithmAndKey]));
        VerifierKey = $"{name}+{_keyHash:x8}+{Convert.ToBase64String(algorithmAndKey)}";
    }

    /// <summary>The database name.</summary>
    public string Name { get; }

    /// <summary>The tile height.</summary>
    public int TileHeight { get; }

    /// <summary>The verifier key ("name+hash+base64"), as GOSUMDB or ModMesh:Sumdb takes it.</summary>
    public string VerifierKey { get; }

    /// <summary>The number of records.</summary>
    public long Size
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Serve notes whose signature does not verify (the last signature byte flipped).</summary>
    public bool CorruptSignatures { get; set; }

    /// <summary>Serve lookups and latest with the tree head of this size instead of the current one (a stale or forked view).</summary>
    public long? ServeTreeSize { get; set; }

    /// <summary>Appends a record for a module version with the given h1 hashes; returns its id.</summary>
    public long Add(string modulePath, string version, string zipHash, string goModHash)
    {
        long id;
        lock (_gate)
        {
            var text = Encoding.UTF8.GetBytes($"{modulePath} {version} {zipHash}\n{modulePath} {version}/go.mod {goModHash}\n");
            id = _records.Count;
            _records.Add(text);
            _leafHashes.Add(Sha256([0x00], text));
            _ids[$"{modulePath}@{version}"] = id;
        }

        Republish();
        return id;
    }

    /// <summary>
    /// Misbehaves: replaces the text of record <paramref name="id"/> (the log's history changes under the same key, so
    /// every later tree head contradicts the ones served before).
    /// </summary>
    public void RewriteHistory(long id)
    {
        lock (_gate)
        {
            var text = Encoding.UTF8.GetBytes($"rewritten.example/m{id} v1.0.0 h1:{Convert.ToBase64String(new byte[32])}\nrewritten.example/m{id} v1.0.0/go.mod h1:{Convert.ToBase64String(new byte[32])}\n");
            _records[(int)id] = text;
            _leafHashes[(int)id] = Sha256([0x00], text);
            _subtreeHashes.Clear();
        }

        Republish();
    }

    /// <summary>Appends the record of a scripted version as its upstream serves it now (zip and go.mod hashed).</summary>
    public long Add(ScriptedVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var zip = version.SmallZip ?? throw new ArgumentException("only small (in-memory) zips can be hashed here", nameof(version));
        return Add(version.ModulePath, version.Version, HashZip(zip), HashGoMod(version.Mod));
    }

    /// <summary>Appends <paramref name="count"/> records of made-up modules (to grow the tree past a tile).</summary>
    public void AddFiller(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var n = Size;
            Add($"filler.example/m{n}", "v1.0.0", "h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"zip{n}"))),
                "h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"mod{n}"))));
        }
    }

    /// <summary>Publishes every file into <paramref name="upstream"/> now and after every later change.</summary>
    public void AttachTo(ScriptedUpstream upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        lock (_gate)
        {
            _attached.Add(upstream);
        }

        Republish();
    }

    /// <summary>Publishes the files again (after changing <see cref="CorruptSignatures"/> or <see cref="ServeTreeSize"/>).</summary>
    public void Republish()
    {
        List<ScriptedUpstream> targets;
        IReadOnlyList<(string Path, byte[] Body)> files;
        lock (_gate)
        {
            targets = [.. _attached];
            if (targets.Count == 0)
            {
                return;
            }

            files = Files();
        }

        foreach (var upstream in targets)
        {
            foreach (var (path, body) in files)
            {
                upstream.AddFile(path, body, path.Contains("/tile/", StringComparison.Ordinal) && !path.Contains("/data/", StringComparison.Ordinal)
                    ? "application/octet-stream"
                    : "text/plain; charset=utf-8");
            }
        }
    }

    /// <summary>The signed tree head of the tree of <paramref name="size"/> records (default: the current size).</summary>
    public byte[] SignedTreeHead(long? size = null)
    {
        lock (_gate)
        {
            return SignedTreeHeadLocked(size ?? _records.Count);
        }
    }

    /// <summary>The tree hash of the first <paramref name="size"/> records (base64).</summary>
    public string TreeHash(long size)
    {
        lock (_gate)
        {
            return Convert.ToBase64String(size == 0 ? SHA256.HashData([]) : Subtree(0, size));
        }
    }

    /// <summary>Every file served, as (raw URL path, body).</summary>
    public IReadOnlyList<(string Path, byte[] Body)> Files()
    {
        lock (_gate)
        {
            var size = Math.Min(ServeTreeSize ?? _records.Count, _records.Count);
            var prefix = $"/sumdb/{Name}";
            var files = new List<(string, byte[])>
            {
                ($"{prefix}/supported", []),
                ($"{prefix}/latest", SignedTreeHeadLocked(size)),
            };
            var head = SignedTreeHeadLocked(size);
            foreach (var (key, id) in _ids)
            {
                if (id >= size)
                {
                    continue;
                }

                var at = key.LastIndexOf('@');
                var path = $"{prefix}/lookup/{ScriptedUpstream.Escape(key[..at])}@{ScriptedUpstream.Escape(key[(at + 1)..])}";
                files.Add((path, [.. Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture) + "\n"), .. _records[(int)id], (byte)'\n', .. head]));
            }

            // Hash tiles of every level, complete ones and the partial one at the right edge; and data tiles.
            var width = 1L << TileHeight;
            for (var level = 0; ; level++)
            {
                var hashLevel = level * TileHeight;
                var count = hashLevel >= 62 ? 0 : size >> hashLevel; // stored hashes at this level
                if (count == 0)
                {
                    break;
                }

                for (long n = 0; n * width < count; n++)
                {
                    var w = Math.Min(width, count - n * width);
                    var data = new byte[w * 32];
                    for (long i = 0; i < w; i++)
                    {
                        var first = (n * width + i) << hashLevel;
                        Subtree(first, first + (1L << hashLevel)).CopyTo(data, (int)(i * 32));
                    }

                    files.Add(($"{prefix}/{TilePath(level.ToString(CultureInfo.InvariantCulture), n, (int)w)}", data));
                    if (level == 0)
                    {
                        var text = new List<byte>();
                        for (long i = 0; i < w; i++)
                        {
                            text.AddRange(_records[(int)(n * width + i)]);
                            text.Add((byte)'\n');
                        }

                        files.Add(($"{prefix}/{TilePath("data", n, (int)w)}", text.ToArray()));
                    }
                }
            }

            return files;
        }
    }

    /// <summary>The tile path "tile/H/L/NNN[.p/W]" (N in groups of three digits, all but the last prefixed 'x').</summary>
    public string TilePath(string level, long number, int width)
    {
        var groups = new List<string>();
        var n = number;
        do
        {
            groups.Insert(0, (n % 1000).ToString("D3", CultureInfo.InvariantCulture));
            n /= 1000;
        }
        while (n > 0);

        for (var i = 0; i < groups.Count - 1; i++)
        {
            groups[i] = "x" + groups[i];
        }

        var partial = width == 1 << TileHeight ? "" : $".p/{width}";
        return $"tile/{TileHeight}/{level}/{string.Join('/', groups)}{partial}";
    }

    /// <summary>The h1 hash of a go.mod file (computed here independently).</summary>
    public static string HashGoMod(byte[] mod) => H1([("go.mod", mod)]);

    /// <summary>The h1 hash of a module zip (computed here independently).</summary>
    public static string HashZip(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var files = new List<(string, byte[])>();
        foreach (var entry in archive.Entries)
        {
            using var content = entry.Open();
            using var copy = new MemoryStream();
            content.CopyTo(copy);
            files.Add((entry.FullName, copy.ToArray()));
        }

        return H1(files);
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static string H1(IEnumerable<(string Name, byte[] Content)> files)
    {
        var summary = new StringBuilder();
        foreach (var (name, content) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            summary.Append(Convert.ToHexStringLower(SHA256.HashData(content))).Append("  ").Append(name).Append('\n');
        }

        return "h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(summary.ToString())));
    }

    private byte[] SignedTreeHeadLocked(long size)
    {
        var root = size == 0 ? SHA256.HashData([]) : Subtree(0, size);
        var text = $"go.sum database tree\n{size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(root)}\n";
        var signature = SignatureAlgorithm.Ed25519.Sign(_key, Encoding.UTF8.GetBytes(text));
        if (CorruptSignatures)
        {
            signature[^1] ^= 0x01;
        }

        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, _keyHash);
        signature.CopyTo(blob, 4);
        return Encoding.UTF8.GetBytes($"{text}\n\u2014 {Name} {Convert.ToBase64String(blob)}\n");
    }

    // RFC 6962: MTH(D[lo:hi]) = SHA-256(0x01 || MTH(D[lo:lo+k]) || MTH(D[lo+k:hi])), k the largest power of two < hi−lo.
    private byte[] Subtree(long lo, long hi)
    {
        if (hi - lo == 1)
        {
            return _leafHashes[(int)lo];
        }

        if (_subtreeHashes.TryGetValue((lo, hi), out var known))
        {
            return known;
        }

        var k = 1L;
        while (k * 2 < hi - lo)
        {
            k *= 2;
        }

        var hash = Sha256([0x01], [.. Subtree(lo, lo + k), .. Subtree(lo + k, hi)]);
        _subtreeHashes[(lo, hi)] = hash;
        return hash;
    }

    private static byte[] Sha256(byte[] prefix, byte[] data) => SHA256.HashData([.. prefix, .. data]);
}
