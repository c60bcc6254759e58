using System.Text;
using Microsoft.Extensions.Options;
using ModMesh.Storage.Folder;
using ModMesh.Storage.Tiering;
using ModMesh.TestSupport;

namespace ModMesh.Storage.Tests.Tiering;

/// <summary>The blob store conformance suite against the tier over a folder (keys outside the cached roots: pass-through).</summary>
public sealed class TieredFolderBlobStoreConformanceTests : BlobStoreConformanceTests
{
    private readonly string _root = TempDirectory.CreateUnique("tier-conf");

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new TieredBlobStore(
        new FolderBlobStore(Options.Create(new FolderBlobStoreOptions { RootPath = Path.Join(_root, "shared") })),
        new LocalTierOptions { DiskPath = Path.Join(_root, "tier") }));

    public override Task DisposeAsync()
    {
        TempDirectory.Delete(_root);
        return Task.CompletedTask;
    }

    [Fact]
    public void Name_Always_NamesSharedStoreAndTier()
    {
        Assert.Equal("folder+local", Store.Name);
    }
}

/// <summary>
/// The conformance suite again, with every key moved under "modules/": so every read goes through the tier's memory
/// and disk copies, and every overwrite/delete must drop them.
/// </summary>
public sealed class TieredFolderBlobStoreCachedKeysConformanceTests : BlobStoreConformanceTests
{
    private readonly string _root = TempDirectory.CreateUnique("tier-conf-cached");

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new PrefixedBlobStore(
        new TieredBlobStore(
            new FolderBlobStore(Options.Create(new FolderBlobStoreOptions { RootPath = Path.Join(_root, "shared") })),
            new LocalTierOptions { DiskPath = Path.Join(_root, "tier"), MemoryMaxEntryBytes = 64 << 10 }),
        "modules/"));

    public override Task DisposeAsync()
    {
        TempDirectory.Delete(_root);
        return Task.CompletedTask;
    }
}

/// <summary>What the node-local tier adds over the shared store: memory and disk copies, budgets, outages.</summary>
public sealed class TieredBlobStoreTests : IDisposable
{
    private const string InfoKey = "modules/example.com/m/@v/v1.0.0.info";
    private const string ModKey = "modules/example.com/m/@v/v1.0.0.mod";
    private const string ZipKey = "modules/example.com/m/@v/v1.0.0.zip";
    private const string ListKey = "queries/example.com/m/@list";
    private const int ZipLength = 256 * 1024;

    private readonly string _root = TempDirectory.CreateUnique("tier");
    private readonly FolderBlobStore _folder;
    private readonly CountingBlobStore _shared;

    public TieredBlobStoreTests()
    {
        _folder = new FolderBlobStore(Options.Create(new FolderBlobStoreOptions { RootPath = Path.Join(_root, "shared") }));
        _shared = new CountingBlobStore(_folder);
    }

    /// <summary>A bound on every call, so a hang fails instead of stalling the run.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private string DiskPath => Path.Join(_root, "tier");

    public void Dispose() => TempDirectory.Delete(_root);

    // ---- memory ----

    [Fact]
    public async Task OpenReadAsync_SmallImmutableBlobTwice_SecondServedFromMemory()
    {
        var tier = NewTier();
        byte[] info = Text("{\"Version\":\"v1.0.0\"}");
        await _folder.PutAsync(InfoKey, new MemoryStream(info), Ct);

        var first = await ReadAsync(tier, InfoKey);
        var second = await ReadAsync(tier, InfoKey);

        Assert.Equal(info, first.Bytes);
        Assert.Equal(info, second.Bytes);
        Assert.Equal(1, _shared.OpenCalls);
        Assert.Equal(first.Properties, second.Properties);
        Assert.Null(second.LocalFilePath);
        Assert.Equal(1, tier.Hits);
        Assert.Equal(1, tier.Misses);
        Assert.True(tier.Usage.Memory >= info.Length);
    }

    [Fact]
    public async Task StatAsync_ImmutableBlobAlreadyRead_AnsweredWithoutSharedStore()
    {
        var tier = NewTier();
        var put = await _folder.PutAsync(InfoKey, new MemoryStream(Text("{}")), Ct);
        await ReadAsync(tier, InfoKey);

        var stat = await tier.StatAsync(InfoKey, Ct);

        Assert.Equal(put, stat);
        Assert.Equal(0, _shared.StatCalls);
    }

    [Fact]
    public async Task OpenAndStat_MutableQueryKey_AlwaysAskSharedStore()
    {
        var tier = NewTier();
        await _folder.PutAsync(ListKey, new MemoryStream(Text("v1.0.0\n")), Ct);

        Assert.Equal(Text("v1.0.0\n"), (await ReadAsync(tier, ListKey)).Bytes);
        await tier.StatAsync(ListKey, Ct);
        await _folder.PutAsync(ListKey, new MemoryStream(Text("v1.0.0\nv1.1.0\n")), Ct); // another node refreshed it
        var second = await ReadAsync(tier, ListKey);
        var stat = await tier.StatAsync(ListKey, Ct);

        Assert.Equal(Text("v1.0.0\nv1.1.0\n"), second.Bytes);
        Assert.Equal(14, stat?.Length);
        Assert.Equal(2, _shared.OpenCalls);
        Assert.Equal(2, _shared.StatCalls);
        Assert.Equal((0L, 0L), tier.Usage);
        Assert.Equal(0, tier.Hits);
    }

    // ---- disk ----

    [Fact]
    public async Task OpenReadAsync_LargeZip_CopiedToDiskWhileFirstReaderStreamsThenServedFromDisk()
    {
        var tier = NewTier();
        byte[] zip = Payload(1, ZipLength);
        await _folder.PutAsync(ZipKey, new MemoryStream(zip), Ct);

        var first = await ReadAsync(tier, ZipKey);
        var second = await ReadAsync(tier, ZipKey);

        Assert.Equal(zip, first.Bytes);
        Assert.Equal(zip, second.Bytes);
        Assert.Equal(1, _shared.OpenCalls);
        var copy = Assert.Single(TierFiles());
        Assert.StartsWith(Path.GetFullPath(DiskPath), Path.GetFullPath(copy));
        Assert.Equal(zip, await File.ReadAllBytesAsync(copy, Ct));
        Assert.Equal(first.Properties, second.Properties);
        Assert.Equal(ZipLength, tier.Usage.Disk);
        Assert.Equal(0, tier.Usage.Memory);
    }

    [Fact]
    public async Task OpenReadAsync_FirstReaderDisposesMidStream_LeavesNoDiskCopy()
    {
        var tier = NewTier();
        byte[] zip = Payload(2, ZipLength);
        await _folder.PutAsync(ZipKey, new MemoryStream(zip), Ct);

        await using (var partial = await tier.OpenReadAsync(ZipKey, Ct))
        {
            Assert.NotNull(partial);
            await partial.Content.ReadExactlyAsync(new byte[10_000], Ct);
        }

        Assert.Empty(TierFiles());
        Assert.Equal(0, tier.Usage.Disk);
        var again = await ReadAsync(tier, ZipKey);
        Assert.Equal(zip, again.Bytes);
        Assert.Null(again.LocalFilePath);
        Assert.Equal(2, _shared.OpenCalls);
        Assert.Single(TierFiles()); // the complete second read left its copy
    }

    [Fact]
    public async Task OpenReadAsync_SecondReaderWhileFirstStillStreams_GoesToSharedStoreAndBothGetWholeBlob()
    {
        var tier = NewTier();
        byte[] zip = Payload(3, ZipLength);
        await _folder.PutAsync(ZipKey, new MemoryStream(zip), Ct);

        await using var first = await tier.OpenReadAsync(ZipKey, Ct);
        Assert.NotNull(first);
        var head = new byte[1000];
        await first.Content.ReadExactlyAsync(head, Ct);
        var second = await ReadAsync(tier, ZipKey);
        using var rest = new MemoryStream();
        await first.Content.CopyToAsync(rest, Ct);

        Assert.Equal(zip, second.Bytes);
        Assert.Equal(zip, head.Concat(rest.ToArray()).ToArray());
        Assert.Equal(2, _shared.OpenCalls);
        Assert.Single(TierFiles());
        Assert.Equal(zip, (await ReadAsync(tier, ZipKey)).Bytes);
        Assert.Equal(2, _shared.OpenCalls);
    }

    [Theory]
    [InlineData(ZipKey, ZipLength)] // copied to disk while the first reader streams
    [InlineData(ModKey, 4096)] // loaded into memory
    public async Task OpenReadAsync_BurstOfReadersBeforeAnyCopy_OneSharedReadServesThemAll(string key, int length)
    {
        var tier = NewTier();
        byte[] blob = Payload(5, length);
        await _folder.PutAsync(key, new MemoryStream(blob), Ct);
        var slowFirstByte = _shared.HoldOpens();

        // Every reader starts while the first one's shared read has not even begun to answer.
        var readers = Enumerable.Range(0, 20).Select(_ => ReadAsync(tier, key)).ToList();
        Assert.Equal(1, _shared.OpenCalls);
        slowFirstByte.SetResult();
        var read = await Task.WhenAll(readers);

        Assert.All(read, r => Assert.Equal(blob, r.Bytes));
        Assert.Equal(1, _shared.OpenCalls);
    }

    [Theory]
    [InlineData(true, 1)] // a first look: the readers that joined take the first reader's "not there"
    [InlineData(false, 20)] // otherwise each asks again: it may have learnt of a commit the first read began before
    public async Task OpenReadAsync_BurstOfReadersOfAMissingBlob_SharesTheMissOnlyWhenAsked(bool shareMiss, int expectedOpens)
    {
        var tier = NewTier();
        var slowFirstByte = _shared.HoldOpens();

        var readers = Enumerable.Range(0, 20).Select(_ => tier.OpenReadAsync(ZipKey, shareMiss, Ct).AsTask()).ToList();
        Assert.Equal(1, _shared.OpenCalls);
        slowFirstByte.SetResult();
        var read = await Task.WhenAll(readers);

        Assert.All(read, Assert.Null);
        Assert.Equal(expectedOpens, _shared.OpenCalls);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 20)]
    public async Task StatAsync_BurstOfStatsOfAMissingBlob_SharesTheMissOnlyWhenAsked(bool shareMiss, int expectedStats)
    {
        var tier = NewTier();
        var slow = _shared.HoldStats();

        var stats = Enumerable.Range(0, 20).Select(_ => tier.StatAsync(ZipKey, shareMiss, Ct).AsTask()).ToList();
        Assert.Equal(1, _shared.StatCalls);
        slow.SetResult();
        var answers = await Task.WhenAll(stats);

        Assert.All(answers, Assert.Null);
        Assert.Equal(expectedStats, _shared.StatCalls);
    }

    [Fact]
    public async Task StatAsync_BurstOfStatsOfAPresentBlob_OneQuestionAnswersAll()
    {
        var tier = NewTier();
        await _folder.PutAsync(ZipKey, new MemoryStream(Payload(6, 1000)), Ct);
        var slow = _shared.HoldStats();

        var stats = Enumerable.Range(0, 20).Select(_ => tier.StatAsync(ZipKey, Ct).AsTask()).ToList();
        slow.SetResult();
        var answers = await Task.WhenAll(stats);

        Assert.All(answers, a => Assert.Equal(1000, a!.Length));
        Assert.Equal(1, _shared.StatCalls);
    }

    // ---- not found, writes, deletes ----

    [Fact]
    public async Task StatAndOpen_MissingThenWrittenBySharedStore_FindsIt()
    {
        var tier = NewTier();
        Assert.Null(await tier.StatAsync(InfoKey, Ct));
        Assert.Null(await tier.OpenReadAsync(InfoKey, Ct));
        Assert.Null(await tier.OpenReadAsync(ZipKey, Ct));

        // Another node commits the version straight to the shared store.
        await _folder.PutAsync(ZipKey, new MemoryStream(Payload(4, ZipLength)), Ct);
        await _folder.PutAsync(InfoKey, new MemoryStream(Text("{}")), Ct);

        Assert.Equal(2, (await tier.StatAsync(InfoKey, Ct))?.Length);
        Assert.Equal(Text("{}"), (await ReadAsync(tier, InfoKey)).Bytes);
        Assert.Equal(ZipLength, (await ReadAsync(tier, ZipKey)).Bytes.Length);
    }

    [Fact]
    public async Task PutAsync_ThroughTierOverCachedZip_NextReadSeesNewBytes()
    {
        // A half-written (uncommitted) version healed by the next fill: the zip is rewritten, never served stale.
        var tier = NewTier();
        byte[] old = Payload(5, ZipLength);
        byte[] rewritten = Payload(6, ZipLength);
        await tier.PutAsync(ZipKey, new MemoryStream(old), Ct);
        Assert.Equal(old, (await ReadAsync(tier, ZipKey)).Bytes);
        await AssertServedByTierAsync(tier, ZipKey);

        var put = await tier.PutAsync(ZipKey, new MemoryStream(rewritten), Ct);

        var after = await ReadAsync(tier, ZipKey);
        Assert.Equal(rewritten, after.Bytes);
        Assert.Equal(put.ETag, after.Properties.ETag);
        Assert.Equal(put.ETag, (await tier.StatAsync(ZipKey, Ct))?.ETag);
        Assert.Equal(ZipLength, tier.Usage.Disk); // the old copy's bytes are no longer counted
    }

    [Fact]
    public async Task PutAsync_ThroughTierOverCachedSmallBlob_NextReadAndStatSeeNewBytes()
    {
        var tier = NewTier();
        await tier.PutAsync(ModKey, new MemoryStream(Text("module a\n")), Ct);
        Assert.Equal(Text("module a\n"), (await ReadAsync(tier, ModKey)).Bytes);
        await tier.StatAsync(ModKey, Ct);

        await tier.PutAsync(ModKey, new MemoryStream(Text("module a\n\ngo 1.21\n")), Ct);

        Assert.Equal(Text("module a\n\ngo 1.21\n"), (await ReadAsync(tier, ModKey)).Bytes);
        Assert.Equal(18, (await tier.StatAsync(ModKey, Ct))?.Length);
    }

    [Fact]
    public async Task DeleteAsync_ThroughTier_DropsMemoryAndDiskCopies()
    {
        var tier = NewTier();
        await tier.PutAsync(InfoKey, new MemoryStream(Text("{}")), Ct);
        await tier.PutAsync(ZipKey, new MemoryStream(Payload(7, ZipLength)), Ct);
        await ReadAsync(tier, InfoKey);
        await ReadAsync(tier, ZipKey);
        Assert.Single(TierFiles());

        Assert.True(await tier.DeleteAsync(InfoKey, Ct));
        Assert.True(await tier.DeleteAsync(ZipKey, Ct));

        Assert.Null(await tier.StatAsync(InfoKey, Ct));
        Assert.Null(await tier.OpenReadAsync(InfoKey, Ct));
        Assert.Null(await tier.StatAsync(ZipKey, Ct));
        Assert.Null(await tier.OpenReadAsync(ZipKey, Ct));
        Assert.Empty(TierFiles());
        Assert.Equal((0L, 0L), tier.Usage);
    }

    [Fact]
    public async Task PutAsync_WhileFirstReaderStillStreamsOldZip_NextReadSeesNewBytes()
    {
        // The reader opened the old zip before the rewrite; its copy completes after the write dropped the local
        // copy. That late copy must not be kept as the current blob.
        var tier = NewTier();
        byte[] old = Payload(8, ZipLength);
        byte[] rewritten = Payload(9, ZipLength);
        await _folder.PutAsync(ZipKey, new MemoryStream(old), Ct);
        await using (var reader = await tier.OpenReadAsync(ZipKey, Ct))
        {
            Assert.NotNull(reader);
            var head = new byte[1000];
            await reader.Content.ReadExactlyAsync(head, Ct);

            await tier.PutAsync(ZipKey, new MemoryStream(rewritten), Ct);

            using var rest = new MemoryStream();
            await reader.Content.CopyToAsync(rest, Ct);
            Assert.Equal(old, head.Concat(rest.ToArray()).ToArray()); // this reader sees the old blob, whole
        }

        Assert.Equal(rewritten, (await ReadAsync(tier, ZipKey)).Bytes);
    }

    [Fact]
    public async Task PutAsync_WhileFirstReaderStillLoadsOldSmallBlob_NextReadSeesNewBytes()
    {
        var tier = NewTier();
        await _folder.PutAsync(ModKey, new MemoryStream(Text("module old\n")), Ct);
        var gate = _shared.HoldNextOpen();
        var loading = tier.OpenReadAsync(ModKey, Ct).AsTask();
        Assert.False(loading.IsCompleted);

        var put = await tier.PutAsync(ModKey, new MemoryStream(Text("module newer\n")), Ct);
        gate.SetResult();
        await using (var reader = await loading)
        {
            Assert.NotNull(reader);
        }

        Assert.Equal(Text("module newer\n"), (await ReadAsync(tier, ModKey)).Bytes);
        Assert.Equal(put.ETag, (await tier.StatAsync(ModKey, Ct))?.ETag);
    }

    // ---- budgets ----

    [Fact]
    public async Task OpenReadAsync_MemoryBudgetExceeded_EvictsLeastRecentlyUsedAndStaysWithinBudget()
    {
        const int size = 1000;
        const long budget = 3 * (size + 256); // three entries with the tier's per-entry overhead
        var tier = NewTier(o => o.MemoryBytes = budget);
        string[] keys = ["a", "b", "c", "d"];
        foreach (var k in keys)
        {
            await _folder.PutAsync(Key(k), new MemoryStream(Payload(k[0], size)), Ct);
        }

        await ReadAsync(tier, Key("a"));
        await ReadAsync(tier, Key("b"));
        await ReadAsync(tier, Key("c"));
        await ReadAsync(tier, Key("a")); // a is now the most recent: b is the least recently used
        Assert.Equal(3, _shared.OpenCalls);

        await ReadAsync(tier, Key("d")); // evicts b
        Assert.True(tier.Usage.Memory <= budget, $"memory usage {tier.Usage.Memory} over the budget {budget}");
        Assert.Equal(4, _shared.OpenCalls);

        Assert.Equal(Payload('a', size), (await ReadAsync(tier, Key("a"))).Bytes);
        Assert.Equal(Payload('c', size), (await ReadAsync(tier, Key("c"))).Bytes);
        Assert.Equal(Payload('d', size), (await ReadAsync(tier, Key("d"))).Bytes);
        Assert.Equal(4, _shared.OpenCalls);
        Assert.Equal(Payload('b', size), (await ReadAsync(tier, Key("b"))).Bytes);
        Assert.Equal(5, _shared.OpenCalls);
        Assert.True(tier.Usage.Memory <= budget);

        static string Key(string name) => $"modules/example.com/{name}/@v/v1.0.0.mod";
    }

    [Fact]
    public async Task OpenReadAsync_DiskBudgetExceeded_EvictsLeastRecentlyUsedFileAndStaysWithinBudget()
    {
        const int size = 100_000;
        const long budget = 3 * size;
        var tier = NewTier(o => o.DiskBytes = budget);
        string[] keys = ["a", "b", "c", "d"];
        foreach (var k in keys)
        {
            await _folder.PutAsync(Key(k), new MemoryStream(Payload(k[0], size)), Ct);
        }

        await ReadAsync(tier, Key("a"));
        await ReadAsync(tier, Key("b"));
        await ReadAsync(tier, Key("c"));
        await AssertServedByTierAsync(tier, Key("a")); // a is now the most recent
        await ReadAsync(tier, Key("d")); // evicts b

        Assert.True(tier.Usage.Disk <= budget, $"disk usage {tier.Usage.Disk} over the budget {budget}");
        Assert.Equal(3, TierFiles().Length);
        Assert.Equal(4, _shared.OpenCalls);
        await AssertServedByTierAsync(tier, Key("a"));
        await AssertServedByTierAsync(tier, Key("c"));
        await AssertServedByTierAsync(tier, Key("d"));
        Assert.Equal(4, _shared.OpenCalls);
        var b = await ReadAsync(tier, Key("b"));
        Assert.Equal(Payload('b', size), b.Bytes);
        Assert.Null(b.LocalFilePath);
        Assert.Equal(5, _shared.OpenCalls);
        Assert.True(tier.Usage.Disk <= budget);
        Assert.Equal(3, TierFiles().Length);

        static string Key(string name) => $"modules/example.com/{name}/@v/v1.0.0.zip";
    }

    [Fact]
    public async Task OpenReadAsync_BlobLargerThanDiskBudget_StreamsFromSharedStoreWithoutCopy()
    {
        var tier = NewTier(o => o.DiskBytes = ZipLength - 1);
        byte[] zip = Payload(10, ZipLength);
        await _folder.PutAsync(ZipKey, new MemoryStream(zip), Ct);

        var first = await ReadAsync(tier, ZipKey);
        var second = await ReadAsync(tier, ZipKey);

        Assert.Equal(zip, second.Bytes);
        Assert.Equal(first.LocalFilePath, second.LocalFilePath); // the shared folder's own file, not a tier copy
        Assert.Equal(2, _shared.OpenCalls);
        Assert.Empty(TierFiles());
    }

    // ---- shared store outage ----

    [Fact]
    public async Task ReadsAndStats_SharedStoreFailing_ServeWhatTierHoldsAndThrowIOExceptionForTheRest()
    {
        var tier = NewTier();
        byte[] info = Text("{\"Version\":\"v1.0.0\"}");
        byte[] zip = Payload(11, ZipLength);
        await _folder.PutAsync(InfoKey, new MemoryStream(info), Ct);
        await _folder.PutAsync(ZipKey, new MemoryStream(zip), Ct);
        await _folder.PutAsync(ModKey, new MemoryStream(Text("module m\n")), Ct);
        await _folder.PutAsync(ListKey, new MemoryStream(Text("v1.0.0\n")), Ct);
        await ReadAsync(tier, InfoKey);
        await ReadAsync(tier, ZipKey);
        await ReadAsync(tier, ListKey);

        _shared.Failing = true;

        Assert.Equal(info, (await ReadAsync(tier, InfoKey)).Bytes);
        Assert.Equal(zip, (await ReadAsync(tier, ZipKey)).Bytes);
        Assert.Equal(info.Length, (await tier.StatAsync(InfoKey, Ct))?.Length);
        Assert.Equal(ZipLength, (await tier.StatAsync(ZipKey, Ct))?.Length);
        await Assert.ThrowsAnyAsync<IOException>(async () => await tier.OpenReadAsync(ModKey, Ct));
        await Assert.ThrowsAnyAsync<IOException>(async () => await tier.StatAsync(ModKey, Ct));
        await Assert.ThrowsAnyAsync<IOException>(async () => await tier.OpenReadAsync(ListKey, Ct));
        await Assert.ThrowsAnyAsync<IOException>(async () => await tier.OpenReadAsync("modules/example.com/never/@v/v1.0.0.info", Ct));

        _shared.Failing = false;
        Assert.Equal(Text("module m\n"), (await ReadAsync(tier, ModKey)).Bytes);
    }

    // ---- helpers ----

    private TieredBlobStore NewTier(Action<LocalTierOptions>? configure = null)
    {
        var options = new LocalTierOptions { DiskPath = DiskPath, MemoryMaxEntryBytes = 64 * 1024 };
        configure?.Invoke(options);
        return new TieredBlobStore(_shared, options);
    }

    /// <summary>Completed files of the disk tier (not ".part" files of copies in progress).</summary>
    private string[] TierFiles() => Directory.Exists(DiskPath)
        ? Directory.GetFiles(DiskPath, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".part", StringComparison.Ordinal)).ToArray()
        : [];

    // Disk copies are served from an open handle (never by path: eviction may delete the file), so "served by
    // the tier" shows as a hit with no read of the shared store.
    private async Task AssertServedByTierAsync(TieredBlobStore tier, string key)
    {
        var (hits, opens) = (tier.Hits, _shared.OpenCalls);
        await ReadAsync(tier, key);
        Assert.Equal(hits + 1, tier.Hits);
        Assert.Equal(opens, _shared.OpenCalls);
    }

    private async Task<(byte[] Bytes, BlobProperties Properties, string? LocalFilePath)> ReadAsync(IBlobStore store, string key)
    {
        await using var reader = await store.OpenReadAsync(key, Ct);
        Assert.NotNull(reader);
        using var copy = new MemoryStream();
        await reader.Content.CopyToAsync(copy, Ct);
        return (copy.ToArray(), reader.Properties, reader.LocalFilePath);
    }

    private static byte[] Text(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Payload(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
