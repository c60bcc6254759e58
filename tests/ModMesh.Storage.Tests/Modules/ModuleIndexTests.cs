using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Storage.Folder;
using ModMesh.Storage.Modules;

namespace ModMesh.Storage.Tests.Modules;

/// <summary>
/// The shared module index over a real folder store with fake time: entries come back oldest first from any
/// <c>since</c>, whether the read lists day by day (recent since) or the whole index (old since), across day
/// boundaries, with the limit applied; and the catalog pages module paths in key order without skipping or repeating
/// a path whose name is a prefix of another's.
/// </summary>
public sealed class ModuleIndexTests : IDisposable
{
    private readonly string _root = Path.Join(Path.GetTempPath(), "modmesh-index-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 23, 59, 0, TimeSpan.Zero));
    private readonly FolderBlobStore _blobs;

    public ModuleIndexTests() => _blobs = new FolderBlobStore(Options.Create(new FolderBlobStoreOptions { RootPath = _root }));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task EntriesAcrossDays_ComeBackInOrder_FromAnySince_DayByDayOrWhole()
    {
        var index = new ModuleIndex(_blobs, _time);
        var stamps = new List<DateTimeOffset>();
        foreach (var (path, version, advance) in new[]
        {
            ("example.com/a", "v1.0.0", TimeSpan.Zero),
            ("example.com/b", "v0.1.0", TimeSpan.FromMinutes(2)), // the next day
            ("example.com/a", "v1.1.0", TimeSpan.FromDays(1)),
            ("example.com/!c", "v2.0.0-rc.1", TimeSpan.FromDays(70)), // beyond the day-by-day window from the first
        })
        {
            _time.Advance(advance);
            stamps.Add(await index.AddAsync(new ModuleVersionKey(path, version), CancellationToken.None));
        }

        var all = await ReadAsync(index, DateTimeOffset.MinValue, 100);
        var fromSecond = await ReadAsync(index, stamps[1], 100);
        var recent = await ReadAsync(index, stamps[3].AddMinutes(-1), 100);
        var firstTwo = await ReadAsync(index, DateTimeOffset.MinValue, 2);

        Assert.Equal(["example.com/a@v1.0.0", "example.com/b@v0.1.0", "example.com/a@v1.1.0", "example.com/!c@v2.0.0-rc.1"], all);
        Assert.Equal(["example.com/b@v0.1.0", "example.com/a@v1.1.0", "example.com/!c@v2.0.0-rc.1"], fromSecond);
        Assert.Equal(["example.com/!c@v2.0.0-rc.1"], recent);
        Assert.Equal(["example.com/a@v1.0.0", "example.com/b@v0.1.0"], firstTwo);
    }

    [Fact]
    public async Task Catalog_PagesInKeyOrder_NeitherSkippingNorRepeating()
    {
        var store = new ModuleStore(_blobs);
        foreach (var path in new[] { "example.com/a", "example.com/a-b", "example.com/a/v2", "example.com/b" })
        {
            foreach (var file in new[] { ModuleFile.Info, ModuleFile.Mod })
            {
                using var content = new MemoryStream([1]);
                await store.CommitAsync(new ModuleVersionKey(path, "v1.0.0"), file, content, CancellationToken.None);
            }
        }

        var all = await CatalogAsync(store, null, 100);
        var paged = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await CatalogAsync(store, after, 1);
            if (page.Count == 0)
            {
                break;
            }

            paged.AddRange(page);
            after = page[^1];
        }

        Assert.Equal(4, all.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal).Distinct());
        Assert.Equal(all, paged);
    }

    private static async Task<List<string>> ReadAsync(ModuleIndex index, DateTimeOffset since, int limit)
    {
        var entries = new List<string>();
        await foreach (var entry in index.ReadAsync(since, limit, CancellationToken.None))
        {
            entries.Add($"{entry.Key.EscapedPath}@{entry.Key.EscapedVersion}");
        }

        return entries;
    }

    private static async Task<List<string>> CatalogAsync(ModuleStore store, string? after, int limit)
    {
        var paths = new List<string>();
        await foreach (var path in store.ListModulePathsAsync(after, limit, CancellationToken.None))
        {
            paths.Add(path);
        }

        return paths;
    }
}
