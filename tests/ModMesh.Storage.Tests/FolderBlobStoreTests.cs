using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModMesh.Storage.Folder;

namespace ModMesh.Storage.Tests;

/// <summary>The blob store conformance suite, plus what only a folder can show, over a fresh temp folder per test.</summary>
public sealed class FolderBlobStoreConformanceTests : BlobStoreConformanceTests
{
    private readonly string _root = Path.Join(Path.GetTempPath(), "modmesh-folder-" + Guid.NewGuid().ToString("N"));

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(NewStore());

    public override Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    private FolderBlobStore NewStore() => new(Options.Create(new FolderBlobStoreOptions { RootPath = _root }));

    [Fact]
    public void Name_Always_IsFolder()
    {
        Assert.Equal("folder", Store.Name);
    }

    [Fact]
    public async Task PutAsync_SourceThrowsMidway_LeavesNoFileAnywhere()
    {
        await PutTextAsync("m/example.com/x/@v/list", "v1.0.0\n");

        await Assert.ThrowsAsync<IOException>(
            () => Store.PutAsync("m/example.com/x/@v/v1.0.0.zip", new GeneratedStream(seed: 9, 1 << 20) { ThrowAt = 300_000 }, Ct));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.PutAsync("m/example.com/x/@v/v1.1.0.zip", new GeneratedStream(seed: 9, 1 << 20) { CancelAt = (300_000, cts) }, cts.Token));

        string[] files = Directory.GetFiles(_root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/'))
            .ToArray();
        Assert.Equal(["m/example.com/x/@v/list"], files);
        Assert.Equal(["m/example.com/x/@v/list"], await ListAsync(""));
    }

    [Fact]
    public async Task ListKeysAsync_StrayTempFiles_AreNeverListed()
    {
        await PutTextAsync("a/b", "1");
        Directory.CreateDirectory(Path.Join(_root, ".tmp"));
        await File.WriteAllTextAsync(Path.Join(_root, ".tmp", "0123.put"), "partial", Ct);

        Assert.Equal(["a/b"], await ListAsync(""));
        Assert.Empty(await ListAsync(".tmp"));
        Assert.Empty(await ListAsync(".tmp/"));
    }

    [Theory]
    [InlineData(".tmp")]
    [InlineData(".tmp/0123.put")]
    public async Task AllMethods_ReservedTempSegment_ThrowArgumentException(string key)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream([1]), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.StatAsync(key, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.OpenReadAsync(key, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(key, Ct));
    }

    [Fact]
    public async Task PutAsync_DotPrefixedSegments_AreOrdinaryKeys()
    {
        await PutAllAsync([".tmpx/a", "m/.hidden", ".well-known/x"]);

        Assert.Equal([".tmpx/a", ".well-known/x", "m/.hidden"], await ListAsync(""));
    }

    [Fact]
    public async Task TwoInstances_OnOneFolder_SeeEachOthersWrites()
    {
        var other = NewStore();

        await Store.PutAsync("m/example.com/shared/@v/list", new MemoryStream("v1.0.0\n"u8.ToArray()), Ct);
        await other.PutAsync("m/example.com/shared/@v/v1.0.0.info", new MemoryStream("{}"u8.ToArray()), Ct);

        Assert.NotNull(await other.StatAsync("m/example.com/shared/@v/list", Ct));
        Assert.NotNull(await Store.StatAsync("m/example.com/shared/@v/v1.0.0.info", Ct));
        Assert.Equal(
            (await Store.StatAsync("m/example.com/shared/@v/list", Ct))?.ETag,
            (await other.StatAsync("m/example.com/shared/@v/list", Ct))?.ETag);
        string[] both = ["m/example.com/shared/@v/list", "m/example.com/shared/@v/v1.0.0.info"];
        Assert.Equal(both, await ListAsync("m/example.com/shared/"));
        var otherList = new List<string>();
        await foreach (string key in other.ListKeysAsync("m/example.com/shared/", Ct))
        {
            otherList.Add(key);
        }

        Assert.Equal(both, otherList);
        Assert.True(await other.DeleteAsync("m/example.com/shared/@v/list", Ct));
        Assert.False(await Store.DeleteAsync("m/example.com/shared/@v/list", Ct));
    }

    [Fact]
    public async Task TwoInstances_ConcurrentWritesOfOneKey_LastWholeWriteWins()
    {
        var other = NewStore();
        byte[] a = Enumerable.Repeat((byte)'a', 200_000).ToArray();
        byte[] b = Enumerable.Repeat((byte)'b', 200_000).ToArray();

        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    await Store.PutAsync("k", new MemoryStream(a), Ct);
                }
            }),
            Task.Run(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    await other.PutAsync("k", new MemoryStream(b), Ct);
                }
            }));

        byte[] got = await ReadAllAsync("k");
        Assert.True(got.AsSpan().SequenceEqual(a) || got.AsSpan().SequenceEqual(b));
        Assert.Empty(Directory.GetFiles(Path.Join(_root, ".tmp")));
    }

    [Fact]
    public async Task OpenReadAsync_ExistingKey_ExposesLocalFilePath()
    {
        await PutTextAsync("m/example.com/p/@v/v1.0.0.mod", "module example.com/p\n");

        await using var reader = await Store.OpenReadAsync("m/example.com/p/@v/v1.0.0.mod", Ct);

        Assert.NotNull(reader);
        Assert.Equal(Path.Join(_root, "m", "example.com", "p", "@v", "v1.0.0.mod"), reader.LocalFilePath);
        Assert.Equal("module example.com/p\n", await File.ReadAllTextAsync(reader.LocalFilePath!, Ct));
    }

    [Fact]
    public async Task OpenReadAsync_BlobDeletedOrReplacedWhileOpen_ReaderKeepsOldBytes()
    {
        await PutTextAsync("k/one", "old-one");
        await PutTextAsync("k/two", "old-two");
        await using var one = await Store.OpenReadAsync("k/one", Ct);
        await using var two = await Store.OpenReadAsync("k/two", Ct);

        Assert.True(await Store.DeleteAsync("k/one", Ct));
        await PutTextAsync("k/two", "new-two!");

        Assert.Equal("old-one", await new StreamReader(one!.Content, Encoding.ASCII).ReadToEndAsync(Ct));
        Assert.Equal("old-two", await new StreamReader(two!.Content, Encoding.ASCII).ReadToEndAsync(Ct));
        Assert.Equal("new-two!", Encoding.ASCII.GetString(await ReadAllAsync("k/two")));
    }

    [Fact]
    public async Task DeleteAsync_LastBlobOfAFolder_RemovesEmptyParentFolders()
    {
        await PutTextAsync("m/example.com/keep/@v/list", "v1.0.0\n");
        await PutTextAsync("m/example.com/gone/@v/list", "v1.0.0\n");

        Assert.True(await Store.DeleteAsync("m/example.com/gone/@v/list", Ct));

        Assert.False(Directory.Exists(Path.Join(_root, "m", "example.com", "gone")));
        Assert.True(Directory.Exists(Path.Join(_root, "m", "example.com", "keep", "@v")));
        Assert.True(Directory.Exists(_root));
    }

    [Fact]
    public async Task DeleteAsync_KeyThatIsAFolder_ReturnsFalseAndKeepsItsBlobs()
    {
        await PutTextAsync("m/example.com/f/@v/list", "v1.0.0\n");

        Assert.False(await Store.DeleteAsync("m/example.com/f", Ct));
        Assert.NotNull(await Store.StatAsync("m/example.com/f/@v/list", Ct));
    }

    [Fact]
    public async Task PutAndDelete_ConcurrentInOneFolder_NeverLoseAWrite()
    {
        // Deletes clean up empty folders while puts create them: a put must still land.
        var puts = Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                await PutTextAsync($"c/x/y/put{i}", "p");
            }
        });
        var churn = Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                await PutTextAsync("c/x/y/churn", "c");
                await Store.DeleteAsync("c/x/y/churn", Ct);
            }
        });
        await Task.WhenAll(puts, churn);

        Assert.Equal(200, (await ListAsync("c/x/y/put")).Count);
    }

    [Fact]
    public async Task ListKeysAsync_ManyFilesInOneFolder_StreamsInOrder()
    {
        // 5,000 files made directly on disk (fast), listed through the store.
        string folder = Path.Join(_root, "big", "@v");
        Directory.CreateDirectory(folder);
        var names = Enumerable.Range(0, 5_000).Select(i => $"v0.{i}.0.info").ToArray();
        foreach (string name in names)
        {
            File.Create(Path.Join(folder, name)).Dispose();
        }

        var listed = await ListAsync("big/@v/v0.1");

        Assert.Equal(
            names.Where(n => n.StartsWith("v0.1", StringComparison.Ordinal)).Select(n => "big/@v/" + n).Order(StringComparer.Ordinal),
            listed);
    }

    [Fact]
    public void Constructor_EmptyRootPath_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FolderBlobStore(Options.Create(new FolderBlobStoreOptions())));
    }

    [Fact]
    public async Task AddFolderBlobStore_Resolved_IsAFolderStoreOverTheRoot()
    {
        await using var provider = new ServiceCollection().AddFolderBlobStore(_root).BuildServiceProvider();

        var store = provider.GetRequiredService<IBlobStore>();

        var folder = Assert.IsType<FolderBlobStore>(store);
        Assert.Equal(Path.GetFullPath(_root), folder.RootPath);
        Assert.Same(store, provider.GetRequiredService<IBlobStore>());
    }
}
