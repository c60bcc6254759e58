using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol.Sumdb;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Verification;

/// <summary>The checks of answers a node passes on (<see cref="ISumdbAnswerVerifier"/>).</summary>
internal sealed partial class ChecksumDatabaseVerifier
{
    public async Task<SumdbAnswerVerdict> VerifyLatestAsync(ReadOnlyMemory<byte> signedTreeHead, CancellationToken cancellationToken)
    {
        if (!_setting.IsEnabled)
        {
            return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, "checksum database verification is off");
        }

        return await CheckAsync("latest", async () =>
        {
            var note = signedTreeHead.ToArray();
            var tree = OpenTreeHead(note);
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            if (Latest is { } kept && tree.Size < kept.Size)
            {
                return Refuse("latest", $"rolled back: the tree of size {tree.Size} is older than the verified tree of size {kept.Size}");
            }

            await MergeAsync(new VerifiedTreeHead(tree, note), cancellationToken).ConfigureAwait(false);
            return SumdbAnswerVerdict.Verified;
        }, refuseOnDatabaseError: true).ConfigureAwait(false);
    }

    public async Task<SumdbAnswerVerdict> VerifyLookupAsync(string modulePath, string version, ReadOnlyMemory<byte> answer, CancellationToken cancellationToken)
    {
        var what = $"lookup {modulePath}@{version}";
        if (!AppliesTo(modulePath))
        {
            return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{modulePath} is not verified against the checksum database");
        }

        return await CheckAsync(what, async () =>
        {
            var record = await AuthenticateLookupAsync(answer, cancellationToken).ConfigureAwait(false);
            if (record.LinesFor(modulePath, version).Count == 0 || record.LinesFor(modulePath, version + "/go.mod").Count == 0)
            {
                return Refuse(what, $"record {record.Id} is not about {modulePath}@{version}");
            }

            _lookups.Add(modulePath, version, record);
            return SumdbAnswerVerdict.Verified;
        }, refuseOnDatabaseError: true).ConfigureAwait(false);
    }

    public async Task<SumdbAnswerVerdict> VerifyTileAsync(Tile tile, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var what = tile.Path;
        if (!_setting.IsEnabled)
        {
            return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, "checksum database verification is off");
        }

        if (tile.Height != _tiles.Height)
        {
            return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{what}: only tiles of height {_tiles.Height} are checked");
        }

        // A data tile is checked as the level-0 tile its records hash to.
        byte[] hashes;
        if (tile.Level == -1)
        {
            var records = SplitDataTile(data.Span, tile.Width);
            if (records is null)
            {
                return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{what}: not {tile.Width} records in the known data tile format");
            }

            hashes = new byte[tile.Width * TlogHash.Size];
            for (var i = 0; i < records.Count; i++)
            {
                Tlog.RecordHash(records[i]).Bytes.CopyTo(hashes.AsSpan(i * TlogHash.Size));
            }
        }
        else
        {
            if (data.Length != tile.Width * TlogHash.Size)
            {
                return Refuse(what, $"{data.Length} bytes, not the {tile.Width * TlogHash.Size} of a tile of width {tile.Width}");
            }

            hashes = data.ToArray();
        }

        var hashTile = tile with { Level = Math.Max(tile.Level, 0) };
        return await CheckAsync(what, async () =>
        {
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var tree = Latest;
            if (tree is null || !Covers(tree, hashTile))
            {
                tree = await RefreshLatestAsync(cancellationToken).ConfigureAwait(false);
            }

            if (tree is null || !Covers(tree, hashTile))
            {
                return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{what}: beyond the verified tree of size {tree?.Size ?? 0}");
            }

            return await CheckTileHashesAsync(tree, hashTile, hashes, what, cancellationToken).ConfigureAwait(false);
        }, refuseOnDatabaseError: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Compares the hashes of <paramref name="tile"/> with the stored hashes of <paramref name="tree"/>. A complete tile
    /// whose whole subtree is in the tree is checked through its parent's hash (fetched and authenticated on its own,
    /// so a tile the upstream serves wrong is caught even when it serves it wrong to us too); any other tile through its
    /// own hashes read from authenticated tiles.
    /// </summary>
    private async Task<SumdbAnswerVerdict> CheckTileHashesAsync(TlogTree tree, Tile tile, byte[] hashes, string what, CancellationToken cancellationToken)
    {
        var reader = new TileHashReader(tree, _tiles);
        var parentLevel = (tile.Level + 1) * tile.Height;
        if (tile.IsComplete && parentLevel < 63 && (tile.Number + 1) <= tree.Size >> parentLevel)
        {
            var expected = await reader.ReadHashesAsync([Tlog.StoredHashIndex(parentLevel, tile.Number)], cancellationToken).ConfigureAwait(false);
            return expected[0] == Tile.HashOfSpan(hashes)
                ? SumdbAnswerVerdict.Verified
                : Refuse(what, $"contradicts the signed tree of size {tree.Size}: its hashes do not hash to the hash its parent tile holds");
        }

        var first = tile.Number << tile.Height;
        var indexes = new long[tile.Width];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = Tlog.StoredHashIndex(tile.Level * tile.Height, first + i);
        }

        var known = await reader.ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < known.Count; i++)
        {
            if (!known[i].Bytes.SequenceEqual(hashes.AsSpan(i * TlogHash.Size, TlogHash.Size)))
            {
                return Refuse(what, $"contradicts the signed tree of size {tree.Size} at hash {i}");
            }
        }

        return SumdbAnswerVerdict.Verified;
    }

    /// <summary>True when the tree holds every hash of <paramref name="tile"/> (a hash tile, level ≥ 0).</summary>
    private static bool Covers(TlogTree tree, Tile tile)
    {
        var level = tile.Level * tile.Height;
        var count = level >= 63 ? 0 : tree.Size >> level;
        return tile.Number <= (count >> tile.Height) && (tile.Number << tile.Height) + tile.Width <= count;
    }

    /// <summary>Asks the database's latest tree head, verifies it and merges it; returns the latest verified tree.</summary>
    private async Task<TlogTree?> RefreshLatestAsync(CancellationToken cancellationToken)
    {
        byte[] note;
        using (var response = await _upstream.GetAsync(new SumdbUpstreamRequest(_setting.Name, "latest"), cancellationToken).ConfigureAwait(false))
        {
            if (response.Status != OutcomeKind.Ok)
            {
                throw new SumdbUnreachableException($"fetching latest: {response.Message}", response.Status == OutcomeKind.UpstreamTimeout);
            }

            try
            {
                note = await TileSource.ReadLimitedAsync(response.Content!, MaxKeptHeadBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new SumdbUnreachableException($"reading latest failed: {ex.Message}", timedOut: false);
            }
        }

        return await MergeAsync(new VerifiedTreeHead(OpenTreeHead(note), note), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The records of a data tile: each record's text followed by a blank line; null when it is not <paramref name="width"/> of them.</summary>
    private static List<byte[]>? SplitDataTile(ReadOnlySpan<byte> data, int width)
    {
        var records = new List<byte[]>(width);
        while (!data.IsEmpty)
        {
            var end = data.IndexOf("\n\n"u8);
            if (end < 0 || records.Count == width)
            {
                return null;
            }

            var text = data[..(end + 1)];
            if (!SumdbLookup.IsValidRecordText(text))
            {
                return null;
            }

            records.Add(text.ToArray());
            data = data[(end + 2)..];
        }

        return records.Count == width ? records : null;
    }

    /// <summary>
    /// Runs a check. A database that cannot be asked makes the answer unverifiable. A database answer that fails
    /// authentication (bad signature, inconsistent trees, tiles that do not authenticate) refuses a latest or a lookup,
    /// whose own authentication it is; for a tile it only means the tile could not be checked (the proof used other
    /// tiles): unverifiable, unless the check itself proved the tile wrong.
    /// </summary>
    private async Task<SumdbAnswerVerdict> CheckAsync(string what, Func<Task<SumdbAnswerVerdict>> check, bool refuseOnDatabaseError)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (SumdbUnreachableException ex)
        {
            return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{what}: the checksum database {_setting.Name} could not be reached to check it ({ex.Message})");
        }
        catch (ChecksumDatabaseException ex) when (refuseOnDatabaseError)
        {
            return Refuse(what, ex.Message);
        }
        catch (ChecksumDatabaseException ex)
        {
            return new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{what}: could not be checked against {_setting.Name}: {ex.Message}");
        }
    }

    private SumdbAnswerVerdict Refuse(string what, string reason)
    {
        Log.AnswerRefused(_logger, _setting.Name, what, reason);
        return new SumdbAnswerVerdict(SumdbAnswerStatus.Refused, $"{what} from {_setting.Name} refused: {reason}");
    }
}
