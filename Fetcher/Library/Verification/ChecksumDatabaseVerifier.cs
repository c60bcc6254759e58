using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Protocol.Sumdb;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Verification;

/// <summary>
/// Verifies module versions against the checksum database set by "ModMesh:Sumdb" (go.dev/ref/mod#checksum-database),
/// asked through the upstream chain's checksum-database proxy: looks the version up, checks the signed tree head with
/// the configured key, proves the record's inclusion from authenticated tiles, proves each newer tree head extends the
/// latest one this process has seen, then compares the record's h1 lines with the fetched content's hashes.
/// Private and no-sumdb modules are never looked up (rule 6).
/// </summary>
internal sealed partial class ChecksumDatabaseVerifier : IChecksumVerifier
{
    /// <summary>Tile height of Go checksum databases.</summary>
    internal const int DefaultTileHeight = 8;

    private const long MaxLookupBytes = 1 << 20;

    private readonly IUpstream _upstream;
    private readonly SumdbSetting _setting;
    private readonly ModulePatternSet _private;
    private readonly ModulePatternSet _noSumdb;
    private readonly ILogger<ChecksumDatabaseVerifier> _logger;
    private readonly TileSource _tiles;
    private readonly object _gate = new();
    private TlogTree? _latest;

    public ChecksumDatabaseVerifier(IUpstream upstream, IOptions<UpstreamOptions> options, ILogger<ChecksumDatabaseVerifier> logger)
        : this(upstream, options, logger, DefaultTileHeight, TileSource.DefaultCapacity)
    {
    }

    internal ChecksumDatabaseVerifier(IUpstream upstream, IOptions<UpstreamOptions> options, ILogger<ChecksumDatabaseVerifier> logger, int tileHeight, int tileCacheCapacity)
    {
        _upstream = upstream;
        _logger = logger;
        var value = options.Value;
        if (!SumdbSetting.TryParse(value.Sumdb, out var setting, out var error))
        {
            throw new OptionsValidationException(UpstreamOptions.SectionName, typeof(UpstreamOptions), [$"ModMesh:Sumdb: {error}"]);
        }

        _setting = setting;
        _private = ModulePatternSet.Parse(value.Private);
        _noSumdb = ModulePatternSet.Parse(value.NoSumdb);
        _tiles = new TileSource(upstream, setting.Name, tileHeight, tileCacheCapacity);
    }

    /// <summary>The latest tree head verified by this process (null before the first lookup).</summary>
    internal TlogTree? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    public bool AppliesTo(string modulePath) =>
        _setting.IsEnabled && !_private.Matches(modulePath) && !_noSumdb.Matches(modulePath);

    public async Task<ChecksumVerdict> VerifyAsync(string modulePath, string version, string? goModHash, string? zipHash, CancellationToken cancellationToken)
    {
        if (!AppliesTo(modulePath))
        {
            return new ChecksumVerdict(ChecksumStatus.Skipped, "");
        }

        var what = $"{modulePath}@{version}";
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
            var lookup = await LookupAsync($"lookup/{escapedPath}@{escapedVersion}", what, cancellationToken).ConfigureAwait(false);
            if (lookup.Verdict is not null)
            {
                return lookup.Verdict;
            }

            var record = lookup.Record!;
            var opened = SignedNote.Open(record.SignedTreeHead, [_setting.Verifier!]);
            if (opened.Status != NoteOpenStatus.Verified)
            {
                return Reject(what, $"the checksum database's signed tree head does not verify with the key of {_setting.Name}: {opened.Message}");
            }

            if (!TlogTree.TryParse(opened.Note!.Text, out var tree))
            {
                return Reject(what, "the checksum database's signed tree head is malformed");
            }

            var latest = await MergeAsync(tree!, cancellationToken).ConfigureAwait(false);
            if (record.Id < 0 || record.Id >= latest.Size)
            {
                return Reject(what, $"the checksum database answered record {record.Id}, outside its tree of size {latest.Size}");
            }

            // Inclusion: the record's hash, with the proof built from authenticated tiles, must give the tree hash.
            var reader = new TileHashReader(latest, _tiles);
            var indexes = Tlog.RecordProofIndexes(latest.Size, record.Id);
            var hashes = await reader.ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
            var proof = Tlog.BuildRecordProof(latest.Size, record.Id, hashes);
            if (!Tlog.CheckRecord(proof, latest.Size, latest.Hash, record.Id, Tlog.RecordHash(record.Text)))
            {
                return Reject(what, $"the checksum database's record {record.Id} is not in its signed tree of size {latest.Size}");
            }

            return Compare(record, modulePath, version, zipHash, goModHash);
        }
        catch (SumdbUnreachableException ex)
        {
            Log.DatabaseUnavailable(_logger, _setting.Name, what, ex.Message);
            return new ChecksumVerdict(ex.TimedOut ? ChecksumStatus.TimedOut : ChecksumStatus.Unavailable,
                $"{what}: the checksum database {_setting.Name} could not be reached to verify it ({ex.Message}); nothing was committed, retry later");
        }
        catch (ChecksumDatabaseException ex)
        {
            return Reject(what, ex.Message);
        }
    }

    private async Task<(SumdbLookup? Record, ChecksumVerdict? Verdict)> LookupAsync(string relativePath, string what, CancellationToken cancellationToken)
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

        byte[] body;
        try
        {
            body = await TileSource.ReadLimitedAsync(response.Content!, MaxLookupBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new SumdbUnreachableException($"reading the lookup answer failed: {ex.Message}", timedOut: false);
        }

        if (!SumdbLookup.TryParse(body, out var record))
        {
            throw new ChecksumDatabaseException("the checksum database's lookup answer is malformed");
        }

        return (record, null);
    }

    /// <summary>Makes <paramref name="tree"/> part of what this process knows, after proving it consistent with the latest tree seen; returns the (new) latest.</summary>
    private async Task<TlogTree> MergeAsync(TlogTree tree, CancellationToken cancellationToken)
    {
        while (true)
        {
            TlogTree? latest;
            lock (_gate)
            {
                latest = _latest;
                if (latest is null)
                {
                    _latest = tree;
                    Log.TreeAdvanced(_logger, _setting.Name, 0, tree.Size);
                    return tree;
                }
            }

            if (tree.Size <= latest.Size)
            {
                await ProveConsistentAsync(tree, latest, cancellationToken).ConfigureAwait(false);
                return latest;
            }

            await ProveConsistentAsync(latest, tree, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (ReferenceEquals(_latest, latest))
                {
                    _latest = tree;
                    Log.TreeAdvanced(_logger, _setting.Name, latest.Size, tree.Size);
                    return tree;
                }
            }
        }
    }

    private async Task ProveConsistentAsync(TlogTree older, TlogTree newer, CancellationToken cancellationToken)
    {
        bool consistent;
        if (older.Size == newer.Size)
        {
            consistent = older.Hash == newer.Hash;
        }
        else if (older.Size == 0)
        {
            consistent = older.Hash == Tlog.EmptyTreeHash;
        }
        else
        {
            var indexes = Tlog.TreeProofIndexes(newer.Size, older.Size);
            var hashes = await new TileHashReader(newer, _tiles).ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
            var proof = Tlog.BuildTreeProof(newer.Size, older.Size, hashes);
            consistent = Tlog.CheckTree(proof, newer.Size, newer.Hash, older.Size, older.Hash);
        }

        if (!consistent)
        {
            Log.SecurityError(_logger, _setting.Name, older.Size, older.Hash.ToString(), newer.Size, newer.Hash.ToString());
            throw new ChecksumDatabaseException(
                $"SECURITY ERROR: the checksum database {_setting.Name} served a tree of size {newer.Size} that does not extend the tree of size {older.Size} seen before");
        }
    }

    private ChecksumVerdict Compare(SumdbLookup record, string modulePath, string version, string? zipHash, string? goModHash)
    {
        var what = $"{modulePath}@{version}";
        var zipLines = record.LinesFor(modulePath, version);
        var modLines = record.LinesFor(modulePath, version + "/go.mod");
        if ((zipHash is not null && zipLines.Count == 0) || (goModHash is not null && modLines.Count == 0))
        {
            return Reject(what, $"the checksum database's record {record.Id} has no lines for {what}");
        }

        var zipOk = zipHash is null || zipLines.Contains($"{modulePath} {version} {zipHash}", StringComparer.Ordinal);
        var modOk = goModHash is null || modLines.Contains($"{modulePath} {version}/go.mod {goModHash}", StringComparer.Ordinal);
        if (zipOk && modOk)
        {
            return new ChecksumVerdict(ChecksumStatus.Verified, "");
        }

        var detail = !zipOk
            ? $"zip: downloaded {zipHash}, {_setting.Name} has {HashOf(zipLines[0])}"
            : $"go.mod: downloaded {goModHash}, {_setting.Name} has {HashOf(modLines[0])}";
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
internal sealed class TileSource(IUpstream upstream, string databaseName, int height, int capacity) : ITileReader
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
        using var buffer = new MemoryStream();
        try
        {
            await new LimitedReadStream(content, limit, "the checksum database answer").CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (FillRejectedException ex)
        {
            throw new ChecksumDatabaseException(ex.Message, ex);
        }

        return buffer.ToArray();
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
        using var response = await upstream.GetAsync(new SumdbUpstreamRequest(databaseName, tile.Path), cancellationToken).ConfigureAwait(false);
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
