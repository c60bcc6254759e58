using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Protocol.Sumdb;
using ModMesh.Storage;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Verification;

/// <summary>
/// Verifies module versions against the checksum database set by "ModMesh:Sumdb" (go.dev/ref/mod#checksum-database),
/// asked through the upstream chain's checksum-database proxy: looks the version up, checks the signed tree head with
/// the configured key, proves the record's inclusion from authenticated tiles, proves each newer tree head extends the
/// latest one verified (kept in the blob store, so a restart cannot be rolled back), then compares the record's h1
/// lines with the given hashes. Authenticated lookups are kept in a bounded cache, so the go.mod and the zip of one
/// version cost one lookup. Private and no-sumdb modules are never looked up (rule 6).
/// Also checks the database's answers a node passes on (<see cref="ISumdbAnswerVerifier"/>).
/// </summary>
internal sealed partial class ChecksumDatabaseVerifier : IChecksumVerifier, ISumdbAnswerVerifier, IDisposable
{
    /// <summary>Tile height of Go checksum databases.</summary>
    internal const int DefaultTileHeight = 8;

    /// <summary>Default number of authenticated lookups kept (one per module version).</summary>
    internal const int DefaultLookupCacheCapacity = 10_000;

    private const long MaxLookupBytes = 1 << 20;

    private readonly IUpstream _upstream;
    private readonly IBlobStore _blobs;
    private readonly SumdbSetting _setting;
    private readonly ModulePatternSet _private;
    private readonly ModulePatternSet _noSumdb;
    private readonly ILogger<ChecksumDatabaseVerifier> _logger;
    private readonly TileSource _tiles;
    private readonly AuthenticatedLookupCache _lookups;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _advance = new(1, 1);
    private VerifiedTreeHead? _latest;
    private volatile bool _loaded;

    public ChecksumDatabaseVerifier(IUpstream upstream, IBlobStore blobs, IOptions<UpstreamOptions> options, ILogger<ChecksumDatabaseVerifier> logger)
        : this(upstream, blobs, options, logger, DefaultTileHeight, TileSource.DefaultCapacity, DefaultLookupCacheCapacity)
    {
    }

    internal ChecksumDatabaseVerifier(
        IUpstream upstream,
        IBlobStore blobs,
        IOptions<UpstreamOptions> options,
        ILogger<ChecksumDatabaseVerifier> logger,
        int tileHeight,
        int tileCacheCapacity,
        int lookupCacheCapacity)
    {
        _upstream = upstream;
        _blobs = blobs;
        _logger = logger;
        var value = options.Value;
        if (!SumdbSetting.TryParse(value.Sumdb, out var setting, out var error))
        {
            throw new OptionsValidationException(UpstreamOptions.SectionName, typeof(UpstreamOptions), [$"ModMesh:Sumdb: {error}"]);
        }

        _setting = setting;
        _private = ModulePatternSet.Parse(value.Private, ignoreCase: !value.CaseSensitivePatterns);
        _noSumdb = ModulePatternSet.Parse(value.NoSumdb, ignoreCase: !value.CaseSensitivePatterns);
        _tiles = new TileSource(upstream, setting.Name, tileHeight, tileCacheCapacity);
        _lookups = new AuthenticatedLookupCache(lookupCacheCapacity);
    }

    /// <summary>The latest tree head verified (by this process, or loaded from the store); null before the first use.</summary>
    internal TlogTree? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest?.Tree;
            }
        }
    }

    /// <summary>The blob-store key of the latest verified signed tree head of the configured database.</summary>
    internal string KeptHeadKey => Storage.Modules.ModuleStore.VerifiedTreeHeadKeyOf(_setting.Name);

    public string? DatabaseName => _setting.IsEnabled ? _setting.Name : null;

    public bool AppliesTo(string modulePath) =>
        _setting.IsEnabled && !_private.Matches(modulePath) && !_noSumdb.Matches(modulePath);

    public async Task<ChecksumVerdict> VerifyAsync(string modulePath, string version, string? goModHash, string? zipHash, CancellationToken cancellationToken)
    {
        if (goModHash is null && zipHash is null)
        {
            throw new ArgumentException("at least one of the go.mod hash and the zip hash is needed", nameof(zipHash));
        }

        if (!AppliesTo(modulePath))
        {
            return new ChecksumVerdict(ChecksumStatus.Skipped, "");
        }

        var what = $"{modulePath}@{version}";
        if (_lookups.TryGet(modulePath, version, out var known))
        {
            return Compare(known, modulePath, version, goModHash, zipHash);
        }

        if (!CaseEncoding.TryEscapePath(modulePath, out var escapedPath, out var pathError))
        {
            return new ChecksumVerdict(ChecksumStatus.Rejected, $"{what}: cannot be looked up in the checksum database: {pathError}");
        }

        if (!CaseEncoding.TryEscapeVersion(version, out var escapedVersion, out var versionError))
        {
            return new ChecksumVerdict(ChecksumStatus.Rejected, $"{what}: cannot be looked up in the checksum database: {versionError}");
        }

        try
        {
            var (body, verdict) = await FetchLookupAsync($"lookup/{escapedPath}@{escapedVersion}", what, cancellationToken).ConfigureAwait(false);
            if (verdict is not null)
            {
                return verdict;
            }

            var record = await AuthenticateLookupAsync(body!, cancellationToken).ConfigureAwait(false);
            _lookups.Add(modulePath, version, record);
            return Compare(record, modulePath, version, goModHash, zipHash);
        }
        catch (SumdbUnreachableException ex)
        {
            Log.DatabaseUnavailable(_logger, _setting.Name, what, ex.Message);
            return new ChecksumVerdict(ex.TimedOut ? ChecksumStatus.TimedOut : ChecksumStatus.Unavailable,
                $"{what}: the checksum database {_setting.Name} could not be reached to verify it ({ex.Message}); nothing was committed, retry later");
        }
        catch (IOException ex)
        {
            Log.DatabaseUnavailable(_logger, _setting.Name, what, ex.Message);
            return new ChecksumVerdict(ChecksumStatus.Unavailable,
                $"{what}: the verified tree head of {_setting.Name} could not be read from or written to the store ({ex.Message}); nothing was committed, retry later");
        }
        catch (ChecksumDatabaseException ex)
        {
            return Reject(what, ex.Message);
        }
    }

    public void Dispose() => _advance.Dispose();

    private async Task<(byte[]? Body, ChecksumVerdict? Verdict)> FetchLookupAsync(string relativePath, string what, CancellationToken cancellationToken)
    {
        using var response = await _upstream.GetAsync(new SumdbUpstreamRequest(_setting.Name, relativePath), cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case OutcomeKind.Ok:
                break;
            case OutcomeKind.NotFound:
                Log.NotInDatabase(_logger, _setting.Name, what);
                return (null, new ChecksumVerdict(ChecksumStatus.NotInDatabase, $"{what}: not in the checksum database {_setting.Name} ({response.Message})"));
            default:
                throw new SumdbUnreachableException(response.Message, response.Status == OutcomeKind.UpstreamTimeout);
        }

        if (response.ContentLength > MaxLookupBytes)
        {
            throw new ChecksumDatabaseException($"the checksum database's lookup answer of {response.ContentLength} bytes is over {MaxLookupBytes}");
        }

        try
        {
            return (await TileSource.ReadLimitedAsync(response.Content!, MaxLookupBytes, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new SumdbUnreachableException($"reading the lookup answer failed: {ex.Message}", timedOut: false);
        }
    }

    /// <summary>
    /// Authenticates a lookup answer: its signed tree head verifies with the configured key and is consistent with the
    /// latest verified head, and the record is proven included in that latest tree.
    /// </summary>
    /// <exception cref="ChecksumDatabaseException">The answer is malformed, forged, or contradicts the verified tree.</exception>
    /// <exception cref="SumdbUnreachableException">Tiles needed for the proofs could not be fetched.</exception>
    private async Task<SumdbLookup> AuthenticateLookupAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!SumdbLookup.TryParse(body.Span, out var record))
        {
            throw new ChecksumDatabaseException("the checksum database's lookup answer is malformed");
        }

        var tree = OpenTreeHead(record!.SignedTreeHead);
        var latest = await MergeAsync(new VerifiedTreeHead(tree, record.SignedTreeHead), cancellationToken).ConfigureAwait(false);
        if (record.Id < 0 || record.Id >= latest.Size)
        {
            throw new ChecksumDatabaseException($"the checksum database answered record {record.Id}, outside its tree of size {latest.Size}");
        }

        // Inclusion: the record's hash, with the proof built from authenticated tiles, must give the tree hash.
        var reader = new TileHashReader(latest, _tiles);
        var indexes = Tlog.RecordProofIndexes(latest.Size, record.Id);
        var hashes = await reader.ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
        var proof = Tlog.BuildRecordProof(latest.Size, record.Id, hashes);
        if (!Tlog.CheckRecord(proof, latest.Size, latest.Hash, record.Id, Tlog.RecordHash(record.Text)))
        {
            throw new ChecksumDatabaseException($"the checksum database's record {record.Id} is not in its signed tree of size {latest.Size}");
        }

        return record;
    }

    /// <summary>The tree of a signed tree head that verifies with the configured key.</summary>
    /// <exception cref="ChecksumDatabaseException">The note does not verify, or is not a tree head.</exception>
    private TlogTree OpenTreeHead(ReadOnlySpan<byte> signedTreeHead)
    {
        var opened = SignedNote.Open(signedTreeHead, [_setting.Verifier!]);
        if (opened.Status != NoteOpenStatus.Verified)
        {
            throw new ChecksumDatabaseException($"the checksum database's signed tree head does not verify with the key of {_setting.Name}: {opened.Message}");
        }

        if (!TlogTree.TryParse(opened.Note!.Text, out var tree))
        {
            throw new ChecksumDatabaseException("the checksum database's signed tree head is malformed");
        }

        return tree!;
    }

    private ChecksumVerdict Compare(SumdbLookup record, string modulePath, string version, string? goModHash, string? zipHash)
    {
        var what = $"{modulePath}@{version}";
        var problems = new List<string>(2);
        foreach (var (file, suffix, hash) in new[] { ("zip", "", zipHash), ("go.mod", "/go.mod", goModHash) })
        {
            if (hash is null)
            {
                continue;
            }

            var lines = record.LinesFor(modulePath, version + suffix);
            if (lines.Count == 0)
            {
                return Reject(what, $"the checksum database's record {record.Id} has no {file} line for {what}");
            }

            if (!lines.Contains($"{modulePath} {version}{suffix} {hash}", StringComparer.Ordinal))
            {
                problems.Add($"{file}: downloaded {hash}, {_setting.Name} has {HashOf(lines[0])}");
            }
        }

        if (problems.Count == 0)
        {
            return new ChecksumVerdict(ChecksumStatus.Verified, "");
        }

        var detail = string.Join("; ", problems);
        Log.Mismatch(_logger, _setting.Name, what, detail);
        return new ChecksumVerdict(ChecksumStatus.Mismatch, $"checksum mismatch for {what}: {detail}");
    }

    private static string HashOf(string line) => line[(line.LastIndexOf(' ') + 1)..];

    private ChecksumVerdict Reject(string what, string reason)
    {
        Log.AnswerRejected(_logger, _setting.Name, what, reason);
        return new ChecksumVerdict(ChecksumStatus.Rejected, $"{what}: could not verify against the checksum database {_setting.Name}: {reason}");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Checksum mismatch against {Database} for {Module}: {Detail}")]
        public static partial void Mismatch(ILogger logger, string database, string module, string detail);

        [LoggerMessage(EventId = 2402, Level = LogLevel.Information, Message = "{Module} is not in the checksum database {Database}")]
        public static partial void NotInDatabase(ILogger logger, string database, string module);

        [LoggerMessage(EventId = 2403, Level = LogLevel.Warning, Message = "Checksum database {Database} unavailable while verifying {Module}: {Reason}")]
        public static partial void DatabaseUnavailable(ILogger logger, string database, string module, string reason);

        [LoggerMessage(EventId = 2404, Level = LogLevel.Warning, Message = "Rejected the answer of checksum database {Database} for {Module}: {Reason}")]
        public static partial void AnswerRejected(ILogger logger, string database, string module, string reason);

        [LoggerMessage(EventId = 2405, Level = LogLevel.Critical, Message = "SECURITY ERROR: checksum database {Database} misbehaved: tree {OldSize} ({OldHash}) is not a prefix of tree {NewSize} ({NewHash})")]
        public static partial void SecurityError(ILogger logger, string database, long oldSize, string oldHash, long newSize, string newHash);

        [LoggerMessage(EventId = 2406, Level = LogLevel.Debug, Message = "Checksum database {Database}: verified tree advanced from {OldSize} to {NewSize}")]
        public static partial void TreeAdvanced(ILogger logger, string database, long oldSize, long newSize);

        [LoggerMessage(EventId = 2407, Level = LogLevel.Warning, Message = "Checksum database {Database}: ignored the kept tree head {Key}: {Reason}")]
        public static partial void KeptHeadIgnored(ILogger logger, string database, string key, string reason);

        [LoggerMessage(EventId = 2408, Level = LogLevel.Warning, Message = "Checksum database {Database}: refused its answer {What}: {Reason}")]
        public static partial void AnswerRefused(ILogger logger, string database, string what, string reason);

        [LoggerMessage(EventId = 2409, Level = LogLevel.Information, Message = "Checksum database {Database}: kept tree head is now size {Size}")]
        public static partial void KeptHeadWritten(ILogger logger, string database, long size);
    }
}

/// <summary>The checksum database could not be asked (transport error, error status, timeout).</summary>
internal sealed class SumdbUnreachableException(string message, bool timedOut) : Exception(message)
{
    public bool TimedOut { get; } = timedOut;
}

/// <summary>
/// Tiles from the checksum-database proxy of the upstream chain, with a bounded in-memory cache of tiles that were
/// authenticated (only <see cref="SaveTiles"/> fills it). A partial tile that is gone is cut from its complete tile.
/// </summary>
internal sealed class TileSource(IUpstream upstream, string escapedPath, int height, int capacity) : ITileReader
{
    /// <summary>Default number of tiles kept (a complete tile of height 8 is 8 KiB).</summary>
    internal const int DefaultCapacity = 1024;

    private readonly ConcurrentDictionary<Tile, byte[]> _cache = new();
    private readonly ConcurrentQueue<Tile> _order = new();

    public int Height => height;

    public async Task<IReadOnlyList<byte[]>> ReadTilesAsync(IReadOnlyList<Tile> tiles, CancellationToken cancellationToken) =>
        await Task.WhenAll(tiles.Select(t => ReadTileAsync(t, cancellationToken))).ConfigureAwait(false);

    public void SaveTiles(IReadOnlyList<Tile> tiles, IReadOnlyList<byte[]> data)
    {
        for (var i = 0; i < tiles.Count; i++)
        {
            if (_cache.TryAdd(tiles[i], data[i]))
            {
                _order.Enqueue(tiles[i]);
            }
        }

        while (_cache.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _cache.TryRemove(oldest, out _);
        }
    }

    internal static async Task<byte[]> ReadLimitedAsync(Stream content, long limit, CancellationToken cancellationToken)
    {
        try
        {
            return await BoundedRead.ReadAllAsync(content, limit, "the checksum database answer", cancellationToken).ConfigureAwait(false);
        }
        catch (FillRejectedException ex)
        {
            throw new ChecksumDatabaseException(ex.Message, ex);
        }
    }

    private async Task<byte[]> ReadTileAsync(Tile tile, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(tile, out var cached))
        {
            return cached;
        }

        var full = tile with { Width = 1 << tile.Height };
        if (!tile.IsComplete && _cache.TryGetValue(full, out var whole))
        {
            return whole[..(tile.Width * TlogHash.Size)];
        }

        var (data, status, message) = await FetchAsync(tile, cancellationToken).ConfigureAwait(false);
        if (data is not null)
        {
            return data;
        }

        if (!tile.IsComplete && status == OutcomeKind.NotFound)
        {
            // The tree grew since: the server may serve only the complete tile now.
            var (fullData, _, _) = await FetchAsync(full, cancellationToken).ConfigureAwait(false);
            if (fullData is not null)
            {
                return fullData[..(tile.Width * TlogHash.Size)];
            }
        }

        if (status == OutcomeKind.NotFound)
        {
            throw new ChecksumDatabaseException($"the checksum database has no tile {tile.Path}: {message}");
        }

        throw new SumdbUnreachableException($"fetching {tile.Path}: {message}", status == OutcomeKind.UpstreamTimeout);
    }

    private async Task<(byte[]? Data, OutcomeKind Status, string Message)> FetchAsync(Tile tile, CancellationToken cancellationToken)
    {
        using var response = await upstream.GetAsync(new SumdbUpstreamRequest(escapedPath, tile.Path), cancellationToken).ConfigureAwait(false);
        if (response.Status != OutcomeKind.Ok)
        {
            return (null, response.Status, response.Message);
        }

        var size = tile.Width * TlogHash.Size;
        byte[] data;
        try
        {
            data = await ReadLimitedAsync(response.Content!, size, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new SumdbUnreachableException($"reading {tile.Path} failed: {ex.Message}", timedOut: false);
        }

        if (data.Length != size)
        {
            throw new ChecksumDatabaseException($"tile {tile.Path} has {data.Length} bytes, not {size}");
        }

        return (data, OutcomeKind.Ok, "");
    }
}
