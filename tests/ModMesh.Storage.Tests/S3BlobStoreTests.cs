using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.Storage.S3;
using ModMesh.TestSupport.Servers;

namespace ModMesh.Storage.Tests;

/// <summary>The blob store conformance suite against a real s3rver, each test in a fresh bucket.</summary>
public sealed class S3BlobStoreConformanceTests(S3rverFixture s3rver) : BlobStoreConformanceTests, IClassFixture<S3rverFixture>
{
    private S3BlobStore? _store;

    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        string bucket = await s3rver.Server.CreateBucketAsync();
        _store = new S3BlobStore(S3ConnectionString.Parse(s3rver.Server.ConnectionString(bucket)));
        return _store;
    }

    public override Task DisposeAsync()
    {
        _store?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void Name_Always_IsS3()
    {
        Assert.Equal("s3", Store.Name);
    }
}

/// <summary>What only the S3 store has: multipart uploads, paging, prefixes, failure mapping, wiring.</summary>
public sealed class S3BlobStoreTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private readonly List<IDisposable> _disposables = [];

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task PutAsync_40MBNonSeekableStream_UsesMultipartAndRoundTripsSha256()
    {
        const long length = 40_000_000;
        var (store, recorder, _) = await NewRecordedStoreAsync();
        byte[] expected = await SHA256.HashDataAsync(new GeneratedStream(seed: 7, length), Ct);

        var put = await store.PutAsync("m/example.com/huge/@v/v1.0.0.zip", new GeneratedStream(seed: 7, length), Ct);

        Assert.Equal(length, put.Length);
        Assert.Equal(1, recorder.Count(nameof(IAmazonS3.InitiateMultipartUploadAsync)));
        var parts = recorder.Requests<UploadPartRequest>(nameof(IAmazonS3.UploadPartAsync));
        Assert.Equal(5, parts.Count); // 4 × 8 MiB + the rest
        Assert.All(parts.SkipLast(1), p => Assert.Equal(S3BlobStoreOptions.DefaultPartSize, p.PartSize));
        Assert.All(parts, p => Assert.False(p.UseChunkEncoding));
        Assert.Equal(1, recorder.Count(nameof(IAmazonS3.CompleteMultipartUploadAsync)));
        Assert.Equal(0, recorder.Count(nameof(IAmazonS3.PutObjectAsync)));

        var stat = await store.StatAsync("m/example.com/huge/@v/v1.0.0.zip", Ct);
        Assert.Equal(length, stat?.Length);
        Assert.Equal(put.ETag, stat?.ETag);
        await using var reader = await store.OpenReadAsync("m/example.com/huge/@v/v1.0.0.zip", Ct);
        Assert.NotNull(reader);
        Assert.Null(reader.LocalFilePath);
        Assert.Equal(length, reader.Properties.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(await SHA256.HashDataAsync(reader.Content, Ct)));
    }

    [Fact]
    public async Task PutAsync_SmallBlob_UsesOnePutObjectWithoutChunkEncoding()
    {
        var (store, recorder, _) = await NewRecordedStoreAsync();

        await store.PutAsync("m/example.com/s/@v/list", new MemoryStream(Encoding.ASCII.GetBytes("v1.0.0\n")), Ct);

        var puts = recorder.Requests<PutObjectRequest>(nameof(IAmazonS3.PutObjectAsync));
        Assert.Single(puts);
        Assert.False(puts[0].UseChunkEncoding);
        Assert.Equal(0, recorder.Count(nameof(IAmazonS3.InitiateMultipartUploadAsync)));
    }

    [Fact]
    public async Task PutAsync_SourceFailsMidMultipart_LeavesNoObjectAndAbortsTheUpload()
    {
        const string key = "m/example.com/broken/@v/v1.0.0.zip";
        var (store, recorder, bucket) = await NewRecordedStoreAsync();

        var error = await Assert.ThrowsAsync<IOException>(
            () => store.PutAsync(key, new GeneratedStream(seed: 8, 40L * MiB) { ThrowAt = 20L * MiB }, Ct));

        Assert.Equal("The source failed midway (test).", error.Message); // the source's own exception, not wrapped
        Assert.Null(await store.StatAsync(key, Ct));
        Assert.Null(await store.OpenReadAsync(key, Ct));
        Assert.Empty(await ListAsync(store, ""));
        var initiated = recorder.Calls.Count(c => c.Method == nameof(IAmazonS3.InitiateMultipartUploadAsync));
        Assert.Equal(1, initiated);
        Assert.Equal(2, recorder.Count(nameof(IAmazonS3.UploadPartAsync)));
        Assert.Equal(0, recorder.Count(nameof(IAmazonS3.CompleteMultipartUploadAsync)));
        var aborts = recorder.Requests<AbortMultipartUploadRequest>(nameof(IAmazonS3.AbortMultipartUploadAsync));
        var abort = Assert.Single(aborts);
        string uploadId = recorder.Requests<UploadPartRequest>(nameof(IAmazonS3.UploadPartAsync))[0].UploadId;
        Assert.Equal(uploadId, abort.UploadId);
        Assert.Equal(key, abort.Key);

        // No pending upload is left on the server (s3rver has no ListMultipartUploads: the fixture reads its folder).
        Assert.Empty(s3rver.Server.PendingMultipartUploads(bucket));
    }

    [Fact]
    public async Task PutAsync_CancelledMidMultipart_ThrowsCancelledAndLeavesNoObject()
    {
        const string key = "m/example.com/cancel/@v/v1.0.0.zip";
        var (store, recorder, bucket) = await NewRecordedStoreAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.PutAsync(key, new GeneratedStream(seed: 9, 40L * MiB) { CancelAt = (12L * MiB, cts) }, cts.Token));

        Assert.Null(await store.StatAsync(key, Ct));
        Assert.Equal(1, recorder.Count(nameof(IAmazonS3.AbortMultipartUploadAsync)));
        Assert.Equal(0, recorder.Count(nameof(IAmazonS3.CompleteMultipartUploadAsync)));
        Assert.Empty(s3rver.Server.PendingMultipartUploads(bucket));
    }

    [Fact]
    public async Task ListKeysAsync_2500Keys_ListsAllAcrossThreePages()
    {
        var (store, recorder, _) = await NewRecordedStoreAsync();
        string[] keys = Enumerable.Range(0, 2500).Select(i => $"m/example.com/p/@v/v0.{i}.0.info").ToArray();
        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct },
            async (key, ct) => await store.PutAsync(key, new MemoryStream(Encoding.ASCII.GetBytes(key)), ct));
        await store.PutAsync("m/example.com/p-decoy/@v/list", new MemoryStream([1]), Ct);

        var listed = await ListAsync(store, "m/example.com/p/@v/");

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
        Assert.Equal(3, recorder.Count(nameof(IAmazonS3.ListObjectsV2Async)));
    }

    [Fact]
    public async Task Prefix_TwoStoresOnOneBucket_SeeOnlyTheirOwnKeysUnderTheirPrefix()
    {
        string bucket = await s3rver.Server.CreateBucketAsync(cancellationToken: Ct);
        var a = Track(new S3BlobStore(S3ConnectionString.Parse(s3rver.Server.ConnectionString(bucket, "tenant-a"))));
        var b = Track(new S3BlobStore(S3ConnectionString.Parse(s3rver.Server.ConnectionString(bucket, "/tenant-b/cache/"))));

        await a.PutAsync("m/x/@v/list", new MemoryStream(Encoding.ASCII.GetBytes("a")), Ct);
        await b.PutAsync("m/x/@v/list", new MemoryStream(Encoding.ASCII.GetBytes("bb")), Ct);

        Assert.Equal(1, (await a.StatAsync("m/x/@v/list", Ct))?.Length);
        Assert.Equal(2, (await b.StatAsync("m/x/@v/list", Ct))?.Length);
        Assert.Equal(["m/x/@v/list"], await ListAsync(a, ""));
        Assert.Equal(["m/x/@v/list"], await ListAsync(b, "m/"));
        using var raw = S3BlobStore.CreateClient(S3ConnectionString.Parse(s3rver.Server.ConnectionString(bucket)));
        var objects = await raw.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Equal(["tenant-a/m/x/@v/list", "tenant-b/cache/m/x/@v/list"], objects.S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListKeysAsync_ObjectsNoKeyCanName_AreSkipped()
    {
        string bucket = await s3rver.Server.CreateBucketAsync(cancellationToken: Ct);
        var options = S3ConnectionString.Parse(s3rver.Server.ConnectionString(bucket));
        using var raw = S3BlobStore.CreateClient(options);
        foreach (string objectKey in new[] { "a/b", "a/folder-marker/", "a\\b", "a/caf\u00e9", "a/tab\tx" })
        {
            await raw.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = objectKey, ContentBody = "x", UseChunkEncoding = false }, Ct);
        }

        var store = Track(new S3BlobStore(options));

        Assert.Equal(["a/b"], await ListAsync(store, ""));
    }

    [Fact]
    public async Task AllMethods_ServerStopped_ThrowIOException()
    {
        await using var server = await S3rverServer.StartAsync(cancellationToken: Ct);
        string bucket = await server.CreateBucketAsync(cancellationToken: Ct);
        var store = Track(new S3BlobStore(S3ConnectionString.Parse(server.ConnectionString(bucket))));
        await store.PutAsync("m/x/@v/list", new MemoryStream([1, 2, 3]), Ct);
        await server.StopAsync();

        var stopwatch = Stopwatch.StartNew();
        var stat = await Assert.ThrowsAsync<IOException>(async () => await store.StatAsync("m/x/@v/list", Ct));
        await Assert.ThrowsAsync<IOException>(async () => await store.OpenReadAsync("m/x/@v/list", Ct));
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("m/x/@v/list", new MemoryStream([4]), Ct));
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("m/x/@v/big.zip", new GeneratedStream(1, 9L * MiB), Ct));
        await Assert.ThrowsAsync<IOException>(() => store.DeleteAsync("m/x/@v/list", Ct));
        await Assert.ThrowsAsync<IOException>(() => ListAsync(store, "m/"));

        Assert.Contains("unavailable", stat.Message, StringComparison.Ordinal);
        Assert.NotNull(stat.InnerException);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"failing took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task AllMethods_CancelledToken_ThrowOperationCanceledNotIOException()
    {
        var (store, _, _) = await NewRecordedStoreAsync();
        var cancelled = new CancellationToken(canceled: true);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.StatAsync("m/x", cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.OpenReadAsync("m/x", cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DeleteAsync("m/x", cancelled));
    }

    [Fact]
    public async Task PutAndOpen_MissingBucket_ThrowIOException()
    {
        var store = Track(new S3BlobStore(S3ConnectionString.Parse(s3rver.Server.ConnectionString("no-such-bucket-here"))));

        var put = await Assert.ThrowsAsync<IOException>(() => store.PutAsync("m/x", new MemoryStream([1]), Ct));
        await Assert.ThrowsAsync<IOException>(async () => await store.OpenReadAsync("m/x", Ct));

        Assert.Contains("NoSuchBucket", put.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddS3BlobStore_ConnectionString_ResolvesAWorkingS3Store()
    {
        string bucket = await s3rver.Server.CreateBucketAsync(cancellationToken: Ct);
        var services = new ServiceCollection().AddLogging().AddS3BlobStore(s3rver.Server.ConnectionString(bucket));
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IBlobStore>();

        Assert.IsType<S3BlobStore>(store);
        Assert.Same(store, provider.GetRequiredService<S3BlobStore>());
        await store.PutAsync("k", new MemoryStream([1]), Ct);
        Assert.Equal(["k"], await ListAsync(store, ""));
    }

    [Fact]
    public void AddS3BlobStore_InvalidOptions_ThrowsNamingEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddS3BlobStore(
            new S3BlobStoreOptions { Bucket = "", AccessKey = "only-one", PartSize = 1024 }));

        Assert.Contains("Bucket", error.Message, StringComparison.Ordinal);
        Assert.Contains("SecretKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("PartSize", error.Message, StringComparison.Ordinal);
    }

    private async Task<(S3BlobStore Store, RecordingS3Client Recorder, string Bucket)> NewRecordedStoreAsync()
    {
        string bucket = await s3rver.Server.CreateBucketAsync(cancellationToken: Ct);
        var options = S3ConnectionString.Parse(s3rver.Server.ConnectionString(bucket));
        var client = S3BlobStore.CreateClient(options);
        _disposables.Add(client);
        var store = Track(new S3BlobStore(RecordingS3Client.Wrap(client, out var recorder), options));
        return (store, recorder, bucket);
    }

    private S3BlobStore Track(S3BlobStore store)
    {
        _disposables.Add(store);
        return store;
    }

    private async Task<List<string>> ListAsync(IBlobStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (string key in store.ListKeysAsync(prefix, Ct))
        {
            keys.Add(key);
        }

        return keys;
    }
}

/// <summary>The connection string <c>ConnectionStrings:blobs</c> of the S3 store.</summary>
public sealed class S3ConnectionStringTests
{
    [Fact]
    public void Parse_FullConnectionString_SetsEveryOption()
    {
        var options = S3ConnectionString.Parse(
            "Endpoint=http://127.0.0.1:4568;Bucket=modmesh;Region=eu-west-1;AccessKey=AK;SecretKey=SK;ForcePathStyle=false;Prefix=/optional/key/prefix/");

        Assert.Equal(new Uri("http://127.0.0.1:4568"), options.Endpoint);
        Assert.Equal("modmesh", options.Bucket);
        Assert.Equal("eu-west-1", options.Region);
        Assert.Equal("AK", options.AccessKey);
        Assert.Equal("SK", options.SecretKey);
        Assert.False(options.ForcePathStyle);
        Assert.Equal("/optional/key/prefix/", options.Prefix);
        Assert.Empty(options.Validate());
        Assert.DoesNotContain("SK", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeysInAnyCaseAndOnlyBucket_UsesDefaults()
    {
        var options = S3ConnectionString.Parse("bucket=modmesh");

        Assert.Null(options.Endpoint);
        Assert.Equal("us-east-1", options.Region);
        Assert.Null(options.AccessKey);
        Assert.Null(options.SecretKey);
        Assert.False(options.ForcePathStyle);
        Assert.Equal("", options.Prefix);
        Assert.Equal(S3BlobStoreOptions.DefaultPartSize, options.PartSize);
    }

    [Fact]
    public void Parse_EndpointWithoutForcePathStyle_DefaultsToPathStyle()
    {
        Assert.True(S3ConnectionString.Parse("Endpoint=http://127.0.0.1:9000;Bucket=b12").ForcePathStyle);
    }

    [Theory]
    [InlineData("Endpoint=http://127.0.0.1:4568;Region=us-east-1;AccessKey=S3RVER;SecretKey=S3RVER", "no Bucket")]
    [InlineData("Endpoint=http://127.0.0.1:4568;Bucket=;AccessKey=S3RVER;SecretKey=S3RVER", "no Bucket")]
    [InlineData("", "no Bucket")]
    [InlineData("Bucket=Not_A_Bucket", "not a valid bucket name")]
    [InlineData("Bucket=ok-bucket;AccessKey=AK", "'AccessKey' and 'SecretKey'")]
    [InlineData("Bucket=ok-bucket;Endpoint=not a url", "not an absolute URL")]
    [InlineData("Bucket=ok-bucket;Endpoint=ftp://127.0.0.1/", "http:// or https://")]
    [InlineData("Bucket=ok-bucket;ForcePathStyle=maybe", "'true' or 'false'")]
    [InlineData("Bucket=ok-bucket;Buckets=typo", "unknown key 'buckets'")]
    [InlineData("Bucket=ok-bucket;Prefix=a/../b", "'Prefix'")]
    [InlineData("Bucket=ok-bucket;=x", "malformed")]
    public void Parse_InvalidConnectionString_ThrowsFormatExceptionNamingTheProblem(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => S3ConnectionString.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidConnectionString_NeverEchoesTheSecret()
    {
        var error = Assert.Throws<FormatException>(() => S3ConnectionString.Parse("Bucket=ok-bucket;SecretKey=TOPSECRET"));

        Assert.DoesNotContain("TOPSECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateClient_EndpointOptions_ConfiguresPathStyleRegionAndChecksumsWhenRequired()
    {
        using var client = S3BlobStore.CreateClient(S3ConnectionString.Parse(
            "Endpoint=http://127.0.0.1:4568;Bucket=modmesh;AccessKey=S3RVER;SecretKey=S3RVER"));

        var config = (AmazonS3Config)client.Config;
        Assert.True(config.ForcePathStyle);
        Assert.Equal("us-east-1", config.AuthenticationRegion);
        Assert.Equal(Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED, config.RequestChecksumCalculation);
        Assert.Equal(Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED, config.ResponseChecksumValidation);
        Assert.StartsWith("http://127.0.0.1:4568", config.ServiceURL, StringComparison.Ordinal);
    }
}
