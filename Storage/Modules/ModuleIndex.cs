using System.Globalization;
using System.Runtime.CompilerServices;

namespace ModMesh.Storage.Modules;

/// <summary>One entry of the module index: a version that became available, and when (index.golang.org's fields).</summary>
/// <param name="Key">The version, escaped forms (decode them with the protocol layer before showing them).</param>
/// <param name="Timestamp">When it was added, UTC.</param>
public sealed record ModuleIndexEntry(ModuleVersionKey Key, DateTimeOffset Timestamp);

/// <summary>
/// The module index in the shared blob store, so every node answers the same feed: one empty blob per entry whose key
/// says everything, <c>index/{yyyyMMdd}/{HHmmssfffffff}-{nonce}/{escaped path}@{escaped version}</c>. Keys sort in
/// time order (ordinal), so a listing of the prefix is the feed in order; nothing is read but the listing.
/// </summary>
public sealed class ModuleIndex(IBlobStore blobs, TimeProvider time)
{
    /// <summary>The most entries one page may hold (index.golang.org's limit).</summary>
    public const int MaxPage = 2000;

    private const string Root = "index/";

    /// <summary>Adds an entry for a version (escaped forms, validated by the caller) stamped now; returns its time.</summary>
    public async Task<DateTimeOffset> AddAsync(ModuleVersionKey version, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUniversalTime();
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{Root}{now:yyyyMMdd}/{now:HHmmssfffffff}-{Random.Shared.Next(0x10000):x4}/{version.EscapedPath}@{version.EscapedVersion}");
        using var empty = new MemoryStream([], writable: false);
        await blobs.PutAsync(key, empty, cancellationToken).ConfigureAwait(false);
        return now;
    }

    /// <summary>How far back a read lists day by day; an older <c>since</c> lists the whole index once.</summary>
    public static readonly TimeSpan DayByDayWindow = TimeSpan.FromDays(62);

    /// <summary>
    /// Entries stamped at or after <paramref name="since"/>, oldest first, at most <paramref name="limit"/>
    /// (1..<see cref="MaxPage"/>). Keys that are not index entries are skipped. A recent <paramref name="since"/> lists
    /// only the days from it to today (one listing per day), so following the feed stays cheap however long it grows.
    /// </summary>
    public async IAsyncEnumerable<ModuleIndexEntry> ReadAsync(DateTimeOffset since, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var count = 0;
        await foreach (var key in KeysFromAsync(since, cancellationToken).ConfigureAwait(false))
        {
            if (!TryParse(key, out var entry) || entry.Timestamp < since)
            {
                continue;
            }

            yield return entry;
            if (++count == limit)
            {
                yield break;
            }
        }
    }

    private async IAsyncEnumerable<string> KeysFromAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUniversalTime();
        if (since < now - DayByDayWindow)
        {
            await foreach (var key in blobs.ListKeysAsync(Root, cancellationToken).ConfigureAwait(false))
            {
                yield return key;
            }

            yield break;
        }

        // One day further than now: an entry written by a node whose clock runs a little ahead is not missed.
        for (var day = since.UtcDateTime.Date; day <= now.UtcDateTime.Date.AddDays(1); day = day.AddDays(1))
        {
            await foreach (var key in blobs.ListKeysAsync(string.Create(CultureInfo.InvariantCulture, $"{Root}{day:yyyyMMdd}/"), cancellationToken).ConfigureAwait(false))
            {
                yield return key;
            }
        }
    }

    /// <summary>Reads an index key back into its entry; false for anything else.</summary>
    internal static bool TryParse(string key, out ModuleIndexEntry entry)
    {
        entry = null!;
        var parts = key.Split('/', 4);
        if (parts.Length != 4 || parts[0] + "/" != Root || parts[2].Length < 14)
        {
            return false;
        }

        if (!DateTimeOffset.TryParseExact(parts[1] + parts[2][..13], "yyyyMMddHHmmssfffffff", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp))
        {
            return false;
        }

        var at = parts[3].LastIndexOf('@');
        if (at <= 0 || at == parts[3].Length - 1)
        {
            return false;
        }

        entry = new ModuleIndexEntry(new ModuleVersionKey(parts[3][..at], parts[3][(at + 1)..]), stamp);
        return true;
    }
}
