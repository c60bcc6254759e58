using System.Security.Cryptography;
using System.Text;
using ModMesh.Storage;

namespace ModMesh.Storage.Tests;

/// <summary>
/// The one behaviour every <see cref="IBlobStore"/> must have (STYLE.md habit 6). A backend's test class derives from
/// this and only says how to make a fresh, empty store; every test gets its own. Nothing here skips: a backend whose
/// server is missing fails.
/// </summary>
public abstract class BlobStoreConformanceTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private IBlobStore? _store;

    /// <summary>The fresh, empty store of the running test.</summary>
    protected IBlobStore Store => _store ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>A bound on every call, so a hanging backend fails instead of stalling the run.</summary>
    protected CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>Makes a fresh, empty store (or an empty namespace of a shared one) for one test.</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync();

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _store = await CreateStoreAsync();

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task PutAsync_SmallBlob_RoundTrips()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("module example.com/m\n\ngo 1.21\n");

        var put = await Store.PutAsync("m/example.com/m/@v/v1.0.0.mod", new MemoryStream(bytes), Ct);

        Assert.Equal(bytes.Length, put.Length);
        Assert.Equal(bytes, await ReadAllAsync("m/example.com/m/@v/v1.0.0.mod"));
        var stat = await Store.StatAsync("m/example.com/m/@v/v1.0.0.mod", Ct);
        Assert.NotNull(stat);
        Assert.Equal(put.Length, stat.Length);
        Assert.Equal(put.ETag, stat.ETag);
        await using var reader = await Store.OpenReadAsync("m/example.com/m/@v/v1.0.0.mod", Ct);
        Assert.NotNull(reader);
        Assert.Equal(put.Length, reader.Properties.Length);
        Assert.Equal(put.ETag, reader.Properties.ETag);
    }

    [Fact]
    public async Task PutAsync_EmptyBlob_RoundTrips()
    {
        var put = await Store.PutAsync("m/empty", new MemoryStream(), Ct);

        Assert.Equal(0, put.Length);
        Assert.Empty(await ReadAllAsync("m/empty"));
        Assert.Equal(0, (await Store.StatAsync("m/empty", Ct))?.Length);
    }

    [Fact]
    public async Task PutAsync_20MiBNonSeekableStream_RoundTripsSha256()
    {
        const long length = 20L * MiB + 12345;
        byte[] expected;
        using (var source = new GeneratedStream(seed: 42, length))
        {
            expected = await SHA256.HashDataAsync(source, Ct);
        }

        var put = await Store.PutAsync("m/example.com/big/@v/v1.0.0.zip", new GeneratedStream(seed: 42, length), Ct);

        Assert.Equal(length, put.Length);
        await using var reader = await Store.OpenReadAsync("m/example.com/big/@v/v1.0.0.zip", Ct);
        Assert.NotNull(reader);
        Assert.Equal(length, reader.Properties.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(await SHA256.HashDataAsync(reader.Content, Ct)));
    }

    [Fact]
    public async Task StatAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.StatAsync("m/example.com/none/@v/list", Ct));
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.OpenReadAsync("m/example.com/none/@v/list", Ct));
    }

    [Fact]
    public async Task StatAndOpen_KeyThatOnlyPrefixesOtherKeys_ReturnNull()
    {
        await PutTextAsync("m/example.com/a/@v/list", "v1.0.0\n");

        Assert.Null(await Store.StatAsync("m/example.com/a", Ct));
        Assert.Null(await Store.OpenReadAsync("m/example.com/a", Ct));
        Assert.Null(await Store.StatAsync("m/example.com/a/@v", Ct));
        Assert.Null(await Store.OpenReadAsync("m/example.com/a/@v", Ct));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_LastWriterWins()
    {
        await PutTextAsync("m/example.com/m/@v/list", "v1.0.0\n");
        await PutTextAsync("m/example.com/m/@v/list", "v1.0.0\nv1.1.0\n");

        Assert.Equal("v1.0.0\nv1.1.0\n", Encoding.ASCII.GetString(await ReadAllAsync("m/example.com/m/@v/list")));
        Assert.Equal(14, (await Store.StatAsync("m/example.com/m/@v/list", Ct))?.Length);
    }

    [Fact]
    public async Task PutAsync_OverwriteWhileReading_ReaderSeesWholeOldOrNew()
    {
        const string key = "m/example.com/race/@v/v1.0.0.zip";
        byte[] first = await PayloadAsync(seed: 1, MiB);
        byte[] second = await PayloadAsync(seed: 2, MiB);
        await Store.PutAsync(key, new MemoryStream(first), Ct);

        var writer = Task.Run(async () =>
        {
            for (int i = 0; i < 12; i++)
            {
                await Store.PutAsync(key, new MemoryStream(i % 2 == 0 ? second : first), Ct);
            }
        });

        int reads = 0;
        while (!writer.IsCompleted || reads < 3)
        {
            await using var reader = await Store.OpenReadAsync(key, Ct);
            Assert.NotNull(reader);
            using var copy = new MemoryStream();
            await reader.Content.CopyToAsync(copy, Ct);
            byte[] got = copy.ToArray();
            Assert.True(
                got.AsSpan().SequenceEqual(first) || got.AsSpan().SequenceEqual(second),
                $"read {reads} saw {got.Length} bytes that are neither payload whole");
            Assert.Equal(got.Length, reader.Properties.Length);
            reads++;
        }

        await writer;
    }

    [Fact]
    public async Task PutAsync_SourceThrowsMidway_LeavesNoBlob()
    {
        const string key = "m/example.com/broken/@v/v1.0.0.zip";

        await Assert.ThrowsAnyAsync<Exception>(
            () => Store.PutAsync(key, new GeneratedStream(seed: 3, 4L * MiB) { ThrowAt = 2L * MiB }, Ct));

        Assert.Null(await Store.StatAsync(key, Ct));
        Assert.Null(await Store.OpenReadAsync(key, Ct));
        Assert.Empty(await ListAsync("m/example.com/broken/"));
    }

    [Fact]
    public async Task PutAsync_SourceThrowsMidway_KeepsExistingBlobUnchanged()
    {
        const string key = "m/example.com/broken/@v/list";
        var before = await PutTextAsync(key, "v1.0.0\n");

        await Assert.ThrowsAnyAsync<Exception>(
            () => Store.PutAsync(key, new GeneratedStream(seed: 4, 4L * MiB) { ThrowAt = MiB }, Ct));

        var after = await Store.StatAsync(key, Ct);
        Assert.NotNull(after);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal("v1.0.0\n", Encoding.ASCII.GetString(await ReadAllAsync(key)));
        Assert.Equal([key], await ListAsync("m/example.com/broken/"));
    }

    [Fact]
    public async Task PutAsync_CancelledMidway_LeavesNothing()
    {
        const string key = "m/example.com/cancel/@v/v1.0.0.zip";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var source = new GeneratedStream(seed: 5, 4L * MiB) { CancelAt = (MiB, cts) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(key, source, cts.Token));

        Assert.Null(await Store.StatAsync(key, Ct));
        Assert.Empty(await ListAsync("m/example.com/cancel/"));
    }

    [Fact]
    public async Task PutAsync_AlreadyCancelled_ThrowsAndLeavesNothing()
    {
        const string key = "m/example.com/cancel/@v/list";

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.PutAsync(key, new MemoryStream([1, 2, 3]), new CancellationToken(canceled: true)));

        Assert.Null(await Store.StatAsync(key, Ct));
    }

    /// <summary>The keys of the prefix-trap tests: a module, its /v2 major version, and a module whose path extends it.</summary>
    private static readonly string[] TrapKeys =
    [
        "m/github.com/one/two/@v/list",
        "m/github.com/one/two/@v/v1.0.0.info",
        "m/github.com/one/two/@v/v1.0.0.mod",
        "m/github.com/one/two/@v/v1.0.0.zip",
        "m/github.com/one/two/@latest",
        "m/github.com/one/two/v2/@v/list",
        "m/github.com/one/two/v2/@v/v2.0.0.info",
        "m/github.com/one/two-other/@v/list",
        "m/github.com/one/two-other/@v/v0.1.0.info",
        "m/github.com/one/twothree/@v/list",
        "m/github.com/one/tw/@v/list",
        "m/github.com/onetwo/@v/list",
    ];

    [Theory]
    [InlineData("m/github.com/one/two/@v/", "two/@v/list|two/@v/v1.0.0.info|two/@v/v1.0.0.mod|two/@v/v1.0.0.zip")]
    [InlineData("m/github.com/one/two/@v/v1.0.0.", "two/@v/v1.0.0.info|two/@v/v1.0.0.mod|two/@v/v1.0.0.zip")]
    [InlineData("m/github.com/one/two/v2/@v/", "two/v2/@v/list|two/v2/@v/v2.0.0.info")]
    [InlineData("m/github.com/one/two-other/@v/", "two-other/@v/list|two-other/@v/v0.1.0.info")]
    [InlineData("m/github.com/one/two/", "two/@latest|two/@v/list|two/@v/v1.0.0.info|two/@v/v1.0.0.mod|two/@v/v1.0.0.zip|two/v2/@v/list|two/v2/@v/v2.0.0.info")]
    [InlineData("m/github.com/one/two", "two-other/@v/list|two-other/@v/v0.1.0.info|two/@latest|two/@v/list|two/@v/v1.0.0.info|two/@v/v1.0.0.mod|two/@v/v1.0.0.zip|two/v2/@v/list|two/v2/@v/v2.0.0.info|twothree/@v/list")]
    [InlineData("m/github.com/one/tw", "tw/@v/list|two-other/@v/list|two-other/@v/v0.1.0.info|two/@latest|two/@v/list|two/@v/v1.0.0.info|two/@v/v1.0.0.mod|two/@v/v1.0.0.zip|two/v2/@v/list|two/v2/@v/v2.0.0.info|twothree/@v/list")]
    [InlineData("m/github.com/one/two/@latest", "two/@latest")]
    [InlineData("m/github.com/one/three", "")]
    [InlineData("m/github.com/one/two/@v/v9", "")]
    [InlineData("m/github.com/none/", "")]
    public async Task ListKeysAsync_PrefixTraps_MatchesAsPlainStringPrefixInOrdinalOrder(string prefix, string expectedUnderOne)
    {
        await PutAllAsync(TrapKeys);
        string[] expected = expectedUnderOne.Length == 0
            ? []
            : expectedUnderOne.Split('|').Select(k => "m/github.com/one/" + k).ToArray();

        var listed = await ListAsync(prefix);

        Assert.Equal(expected.Order(StringComparer.Ordinal), listed);
        Assert.Equal(TrapKeys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task ListKeysAsync_EmptyPrefix_ListsEveryKeyInOrdinalOrder()
    {
        await PutAllAsync(TrapKeys);

        Assert.Equal(TrapKeys.Order(StringComparer.Ordinal), await ListAsync(""));
    }

    [Fact]
    public async Task ListKeysAsync_NamesAroundTheSeparator_ReturnsOrdinalOrder()
    {
        // '-' (0x2D) and '.' (0x2E) sort before '/' (0x2F), '0' and '@' after: a folder walk must not list "a/…" first.
        string[] keys = ["p/a/b", "p/a-b", "p/a.x", "p/a0", "p/a/c/d", "p/a@latest", "p/A", "p/a/!b", "p/a+incompatible", "p/a!"];
        await PutAllAsync(keys);

        Assert.Equal(keys.Order(StringComparer.Ordinal), await ListAsync("p/"));
        Assert.Equal(keys.Where(k => k.StartsWith("p/a", StringComparison.Ordinal)).Order(StringComparer.Ordinal), await ListAsync("p/a"));
    }

    [Fact]
    public async Task ListKeysAsync_1500KeysUnderOnePrefix_ReturnsAllInOrdinalOrder()
    {
        string[] keys = Enumerable.Range(0, 1500).Select(i => $"m/example.com/many/@v/v1.{i}.0.info").ToArray();
        string[] decoys = ["m/example.com/many-more/@v/list", "m/example.com/man/@v/list", "m/example.com/many/v2/@v/list"];
        await PutAllAsync([.. keys, .. decoys]);

        var listed = await ListAsync("m/example.com/many/@v/");

        Assert.Equal(1500, listed.Count);
        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task ListKeysAsync_StoppedEarly_ReturnsFirstKeysInOrder()
    {
        string[] keys = Enumerable.Range(0, 40).Select(i => $"s/k{i:D3}").ToArray();
        await PutAllAsync(keys);

        var firstFive = new List<string>();
        await foreach (string key in Store.ListKeysAsync("s/", Ct))
        {
            firstFive.Add(key);
            if (firstFive.Count == 5)
            {
                break;
            }
        }

        Assert.Equal(keys.Take(5), firstFive);
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_ReturnsTrueThenFalse()
    {
        await PutTextAsync("m/example.com/d/@v/list", "v1.0.0\n");
        await PutTextAsync("m/example.com/d/@v/v1.0.0.info", "{}");

        Assert.True(await Store.DeleteAsync("m/example.com/d/@v/list", Ct));
        Assert.False(await Store.DeleteAsync("m/example.com/d/@v/list", Ct));

        Assert.Null(await Store.StatAsync("m/example.com/d/@v/list", Ct));
        Assert.Equal(["m/example.com/d/@v/v1.0.0.info"], await ListAsync("m/example.com/d/"));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_ReturnsFalse()
    {
        Assert.False(await Store.DeleteAsync("m/example.com/never/@v/list", Ct));
    }

    [Fact]
    public async Task DeleteAsync_LastKeyUnderPrefix_LeavesNothingListedAndAllowsRewrite()
    {
        await PutTextAsync("m/example.com/gone/@v/list", "v1.0.0\n");

        Assert.True(await Store.DeleteAsync("m/example.com/gone/@v/list", Ct));

        Assert.Empty(await ListAsync("m/example.com/gone"));
        await PutTextAsync("m/example.com/gone/@v/list", "v2.0.0\n");
        Assert.Equal("v2.0.0\n", Encoding.ASCII.GetString(await ReadAllAsync("m/example.com/gone/@v/list")));
    }

    [Fact]
    public async Task PutAsync_ContentChangesWithSameLength_ETagChanges()
    {
        const string key = "m/example.com/e/@latest";
        var first = await PutTextAsync(key, "aaaa");
        var second = await PutTextAsync(key, "bbbb");

        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal(second.ETag, (await Store.StatAsync(key, Ct))?.ETag);
        await using var reader = await Store.OpenReadAsync(key, Ct);
        Assert.Equal(second.ETag, reader?.Properties.ETag);
    }

    [Fact]
    public async Task StatAsync_UnchangedBlob_ETagIsStableAndQuoted()
    {
        var put = await PutTextAsync("m/example.com/e/@v/list", "v1.0.0\n");

        var first = await Store.StatAsync("m/example.com/e/@v/list", Ct);
        var second = await Store.StatAsync("m/example.com/e/@v/list", Ct);

        Assert.Equal(put.ETag, first?.ETag);
        Assert.Equal(first?.ETag, second?.ETag);
        Assert.StartsWith("\"", put.ETag, StringComparison.Ordinal);
        Assert.EndsWith("\"", put.ETag, StringComparison.Ordinal);
        Assert.True(put.ETag.Length > 2);
    }

    [Theory]
    [InlineData("m/github.com/!azure/azure-sdk-for-go/@v/v12.0.0+incompatible.info")]
    [InlineData("m/github.com/!burnt!sushi/toml/@v/v1.3.2.mod")]
    [InlineData("m/example.com/~user/x_y/@v/v0.0.0-20240101000000-abcdef123456.zip")]
    [InlineData("sumdb/sum.golang.org/lookup/golang.org/x/text@v0.14.0")]
    [InlineData("sumdb/sum.golang.org/tile/8/0/x001/234.p/5")]
    public async Task PutAsync_KeyWithModuleSpecialCharacters_RoundTripsAndLists(string key)
    {
        await PutTextAsync(key, key);

        Assert.Equal(key, Encoding.ASCII.GetString(await ReadAllAsync(key)));
        Assert.Equal([key], await ListAsync(key));
        Assert.True(await Store.DeleteAsync(key, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("a//b")]
    [InlineData("/abs")]
    [InlineData("a/")]
    [InlineData("./a")]
    [InlineData("a/./b")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    public async Task AllMethods_InvalidKey_ThrowArgumentException(string key)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream([1]), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.StatAsync(key, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.OpenReadAsync(key, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(key, Ct));
    }

    [Theory]
    [InlineData("../")]
    [InlineData("/abs")]
    [InlineData("a//")]
    [InlineData("a/../b")]
    public async Task ListKeysAsync_InvalidPrefix_ThrowsArgumentException(string prefix)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => ListAsync(prefix));
    }

    /// <summary>Writes each key (its own name as content) in parallel batches.</summary>
    protected async Task PutAllAsync(IEnumerable<string> keys)
    {
        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct },
            async (key, ct) => await Store.PutAsync(key, new MemoryStream(Encoding.ASCII.GetBytes(key)), ct));
    }

    /// <summary>Writes a short ASCII blob.</summary>
    protected Task<BlobProperties> PutTextAsync(string key, string text) =>
        Store.PutAsync(key, new MemoryStream(Encoding.ASCII.GetBytes(text)), Ct);

    /// <summary>Reads a blob whole (small blobs only); fails when it is missing.</summary>
    protected async Task<byte[]> ReadAllAsync(string key)
    {
        await using var reader = await Store.OpenReadAsync(key, Ct);
        Assert.NotNull(reader);
        using var copy = new MemoryStream();
        await reader.Content.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    /// <summary>Every key under <paramref name="prefix"/>, in the order listed.</summary>
    protected async Task<List<string>> ListAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (string key in Store.ListKeysAsync(prefix, Ct))
        {
            keys.Add(key);
        }

        return keys;
    }

    private static async Task<byte[]> PayloadAsync(int seed, int length)
    {
        var bytes = new byte[length];
        await new GeneratedStream(seed, length).ReadExactlyAsync(bytes);
        return bytes;
    }
}

/// <summary>
/// A read-only, non-seekable stream of deterministic pseudo-random bytes (the same seed gives the same bytes however
/// it is read), so big blobs are written without a big array. Can fail or cancel at a position.
/// </summary>
public sealed class GeneratedStream(int seed, long length) : Stream
{
    private long _position;

    /// <summary>Throw an <see cref="IOException"/> once this many bytes were produced.</summary>
    public long? ThrowAt { get; init; }

    /// <summary>Cancel the given source once this many bytes were produced (and honour the token from then on).</summary>
    public (long Position, CancellationTokenSource Source)? CancelAt { get; init; }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (ThrowAt is { } throwAt && _position >= throwAt)
        {
            throw new IOException("The source failed midway (test).");
        }

        if (CancelAt is { } cancelAt && _position >= cancelAt.Position)
        {
            cancelAt.Source.Cancel();
            cancelAt.Source.Token.ThrowIfCancellationRequested();
        }

        int count = (int)Math.Min(buffer.Length, length - _position);
        if (ThrowAt is { } limit)
        {
            count = (int)Math.Min(count, Math.Max(limit - _position, 0));
        }

        if (CancelAt is { } cancel)
        {
            count = (int)Math.Min(count, Math.Max(cancel.Position - _position, 0));
        }

        for (int i = 0; i < count; i++)
        {
            buffer[i] = ByteAt(_position + i);
        }

        _position += count;
        return count;
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private byte ByteAt(long position)
    {
        // SplitMix64 of (seed, 8-byte block): independent of how the stream is read.
        ulong z = unchecked(((ulong)seed << 40) ^ (ulong)(position >> 3)) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (byte)(z >> (int)((position & 7) * 8));
    }
}
