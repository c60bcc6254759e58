using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModMesh.Storage.Folder;

namespace ModMesh.Storage.S3;

/// <summary>
/// An <see cref="IBlobStore"/> over an S3 bucket (AWS S3 or any S3-compatible server): key <c>k</c> is the object
/// <c>{Prefix}k</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Writes.</b> A PUT of one object is atomic in S3: readers see the old object or the new one. A blob that fits
/// into one part (<see cref="S3BlobStoreOptions.PartSize"/>, 8 MiB by default) is sent with one PutObject; a larger
/// one with a multipart upload whose parts are read from the source one at a time into one pooled buffer, so a write
/// holds at most one part in memory however big the blob is. The object appears only when the upload is completed;
/// when the source fails, the token is cancelled or a part fails, the upload is aborted and nothing is written. The
/// committing request (PutObject, CompleteMultipartUpload) is sent after a last cancellation check and is itself not
/// cancelled, so a cancelled write has certainly written nothing. No conditional writes are used: last writer wins.
/// </para>
/// <para>
/// <b>Failures.</b> Anything that goes wrong talking to S3 (connection refused or reset, timeouts, 5xx, throttling
/// after the SDK's retries, and also 403/NoSuchBucket, which mean a misconfigured deployment) surfaces as an
/// <see cref="IOException"/> whose inner exception is the SDK's, never as an SDK-specific exception type. Callers
/// treat an <see cref="IOException"/> from the store as "store unavailable": a cache node answers 503. "Not found" is
/// a result (<c>null</c>/<c>false</c>), never an exception (a stat of a missing bucket is also "not found": S3 answers
/// HEAD with a bare 404; reads, writes and listings of a missing bucket throw). Invalid keys throw <see cref="ArgumentException"/>, and a
/// cancelled token <see cref="OperationCanceledException"/>.
/// </para>
/// <para>
/// <b>Listing.</b> ListObjectsV2, 1,000 keys a page, following continuation tokens to the end. S3 lists in UTF-8
/// binary order, which is ordinal order for the ASCII keys of <see cref="IBlobStore"/>. Each page is also sorted
/// here (a no-op on S3; s3rver lists a page in its file-system walk order), and objects under the prefix whose names
/// are not valid keys (written by something else) are skipped.
/// </para>
/// <para>
/// <b>Properties.</b> ETags are S3's (quoted; for multipart objects not an MD5). <see cref="BlobProperties.LastModified"/>
/// is S3's for stat and read; PutAsync reports this machine's clock at the commit (S3 does not return the time).
/// </para>
/// </remarks>
public sealed partial class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>The first read of a write uses a small buffer, so small blobs never rent a whole part.</summary>
    private const int SmallBlobBufferSize = 64 * 1024;

    /// <summary>S3 allows at most this many parts in one multipart upload.</summary>
    private const int MaxParts = 10_000;

    /// <summary>The bound on an abort sent after a failed or cancelled multipart upload.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly int _partSize;
    private readonly string _description;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private int _warnedOutOfOrder;

    /// <summary>Creates a store with its own S3 client made from <paramref name="options"/> (see <see cref="CreateClient"/>).</summary>
    public S3BlobStore(S3BlobStoreOptions options, ILogger<S3BlobStore>? logger = null, TimeProvider? timeProvider = null)
        : this(CreateClient(options), ownsClient: true, options, logger, timeProvider)
    {
    }

    /// <summary>
    /// Creates a store over an existing client (which the caller keeps and disposes). The client must be configured
    /// as <see cref="CreateClient"/> does (checksums only when required; path style for most S3-compatible servers).
    /// </summary>
    public S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options, ILogger<S3BlobStore>? logger = null, TimeProvider? timeProvider = null)
        : this(client, ownsClient: false, options, logger, timeProvider)
    {
    }

    private S3BlobStore(IAmazonS3 client, bool ownsClient, S3BlobStoreOptions options, ILogger<S3BlobStore>? logger, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        _client = client;
        _ownsClient = ownsClient;
        _bucket = options.Bucket;
        _prefix = options.NormalizedPrefix;
        _partSize = options.PartSize;
        _description = options.ToString();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "s3";

    /// <summary>The bucket that holds the blobs.</summary>
    public string Bucket => _bucket;

    /// <summary>The object-key prefix of every blob ("" or ending with '/').</summary>
    public string KeyPrefix => _prefix;

    /// <summary>
    /// Makes an S3 client for <paramref name="options"/>: the endpoint (path style when asked) or the AWS region,
    /// the given keys or the default credential chain, SigV4 for the region, checksums only where S3 requires them
    /// (S3-compatible servers such as s3rver do not understand the SDK's default trailing checksums), the retry
    /// count and the timeouts.
    /// </summary>
    public static AmazonS3Client CreateClient(S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = options.MaxErrorRetry,
            Timeout = options.RequestTimeout,
            ConnectTimeout = options.ConnectTimeout,
        };
        if (options.Endpoint is not null)
        {
            config.ServiceURL = options.Endpoint.ToString();
            config.AuthenticationRegion = options.Region;
            config.UseHttp = options.Endpoint.Scheme == Uri.UriSchemeHttp;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <inheritdoc />
    public async ValueTask<BlobProperties?> StatAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var response = await _client.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _bucket, Key = _prefix + key }, cancellationToken).ConfigureAwait(false);
            return Describe(key, response.ContentLength, response.LastModified, response.ETag);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("stat", key, ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(
                new GetObjectRequest { BucketName = _bucket, Key = _prefix + key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("read", key, ex);
        }

        try
        {
            // One response: the properties describe exactly the bytes that stream.
            var properties = Describe(key, response.ContentLength, response.LastModified, response.ETag);
            return new BlobReader(new S3ReadStream(response, properties.Length, _description + key), properties);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();

        string objectKey = _prefix + key;
        byte[] small = ArrayPool<byte>.Shared.Rent(SmallBlobBufferSize);
        try
        {
            int read = await content.ReadAtLeastAsync(small.AsMemory(0, SmallBlobBufferSize), SmallBlobBufferSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < SmallBlobBufferSize)
            {
                return await PutObjectAsync(key, objectKey, small, read, cancellationToken).ConfigureAwait(false);
            }

            byte[] part = ArrayPool<byte>.Shared.Rent(_partSize);
            try
            {
                small.AsSpan(0, read).CopyTo(part);
                read += await content.ReadAtLeastAsync(part.AsMemory(read, _partSize - read), _partSize - read, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read < _partSize)
                {
                    return await PutObjectAsync(key, objectKey, part, read, cancellationToken).ConfigureAwait(false);
                }

                return await PutMultipartAsync(key, objectKey, content, part, read, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(part);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(small);
        }
    }

    /// <inheritdoc />
    /// <remarks>A stat, then a delete: of two concurrent deletes of one key both may return true.</remarks>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        if (await StatAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        try
        {
            await _client.DeleteObjectAsync(
                new DeleteObjectRequest { BucketName = _bucket, Key = _prefix + key }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("delete", key, ex);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();

        string? continuationToken = null;
        string? last = null;
        do
        {
            var (keys, next) = await ListPageAsync(prefix, continuationToken, cancellationToken).ConfigureAwait(false);
            foreach (string objectKey in keys)
            {
                string key = objectKey[_prefix.Length..];
                if (last is not null && string.CompareOrdinal(key, last) <= 0)
                {
                    if (key == last)
                    {
                        continue;
                    }

                    if (Interlocked.Exchange(ref _warnedOutOfOrder, 1) == 0)
                    {
                        Log.ListedOutOfOrder(_logger, _description, key, last);
                    }
                }

                last = key;
                yield return key;
            }

            continuationToken = next;
        }
        while (continuationToken is not null);
    }

    /// <summary>Releases the S3 client when the store made it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => _description;

    private async Task<(List<string> Keys, string? Next)> ListPageAsync(string prefix, string? continuationToken, CancellationToken cancellationToken)
    {
        ListObjectsV2Response page;
        try
        {
            page = await _client.ListObjectsV2Async(
                new ListObjectsV2Request
                {
                    BucketName = _bucket,
                    Prefix = _prefix + prefix,
                    ContinuationToken = continuationToken,
                    MaxKeys = 1000,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("list", prefix, ex);
        }

        var keys = new List<string>(page.S3Objects?.Count ?? 0);
        foreach (var item in page.S3Objects ?? [])
        {
            if (item.Key is { } objectKey && objectKey.StartsWith(_prefix, StringComparison.Ordinal) && S3Keys.IsValidKey(objectKey[_prefix.Length..]))
            {
                keys.Add(objectKey);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        string? next = page.IsTruncated == true && !string.IsNullOrEmpty(page.NextContinuationToken) ? page.NextContinuationToken : null;
        return (keys, next);
    }

    private async Task<BlobProperties> PutObjectAsync(string key, string objectKey, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        // The last moment a cancellation can still undo the write; the PUT itself is not cancelled (see remarks).
        cancellationToken.ThrowIfCancellationRequested();
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        try
        {
            var response = await _client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = _bucket,
                    Key = objectKey,
                    InputStream = body,
                    AutoCloseStream = false,
                    AutoResetStreamPosition = true,
                    UseChunkEncoding = false,
                    ContentType = "application/octet-stream",
                },
                CancellationToken.None).ConfigureAwait(false);
            return new BlobProperties(length, _timeProvider.GetUtcNow(), Quote(response.ETag, key));
        }
        catch (Exception ex) when (IsStoreFailure(ex, CancellationToken.None))
        {
            throw Unavailable("write", key, ex);
        }
    }

    private async Task<BlobProperties> PutMultipartAsync(
        string key, string objectKey, Stream content, byte[] part, int filled, CancellationToken cancellationToken)
    {
        string uploadId;
        try
        {
            var initiated = await _client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = _bucket, Key = objectKey, ContentType = "application/octet-stream" },
                cancellationToken).ConfigureAwait(false);
            uploadId = initiated.UploadId;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("write", key, ex);
        }

        try
        {
            var parts = new List<PartETag>();
            long length = 0;
            while (filled > 0)
            {
                int partNumber = parts.Count + 1;
                if (partNumber > MaxParts)
                {
                    throw new IOException($"{_description}{key}: the blob is larger than {MaxParts} parts of {_partSize} bytes.");
                }

                parts.Add(await UploadPartAsync(key, objectKey, uploadId, partNumber, part, filled, cancellationToken).ConfigureAwait(false));
                length += filled;
                filled = await content.ReadAtLeastAsync(part.AsMemory(0, _partSize), _partSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }

            // The last moment a cancellation can still undo the write; completing is not cancelled (see remarks).
            cancellationToken.ThrowIfCancellationRequested();
            CompleteMultipartUploadResponse completed;
            try
            {
                completed = await _client.CompleteMultipartUploadAsync(
                    new CompleteMultipartUploadRequest { BucketName = _bucket, Key = objectKey, UploadId = uploadId, PartETags = parts },
                    CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsStoreFailure(ex, CancellationToken.None))
            {
                throw Unavailable("write", key, ex);
            }

            return new BlobProperties(length, _timeProvider.GetUtcNow(), Quote(completed.ETag, key));
        }
        catch
        {
            await AbortQuietlyAsync(key, objectKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<PartETag> UploadPartAsync(
        string key, string objectKey, string uploadId, int partNumber, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        try
        {
            var response = await _client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = objectKey,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    PartSize = length,
                    InputStream = body,
                    UseChunkEncoding = false,
                },
                cancellationToken).ConfigureAwait(false);
            return new PartETag(partNumber, response.ETag);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("write", key, ex);
        }
    }

    private async Task AbortQuietlyAsync(string key, string objectKey, string uploadId)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout);
        try
        {
            await _client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = _bucket, Key = objectKey, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, CancellationToken.None))
        {
            // The write already failed; a pending upload holds no visible object (a bucket lifecycle rule
            // "AbortIncompleteMultipartUpload" reclaims its parts).
            Log.AbortFailed(_logger, ex, _description, key, uploadId);
        }
    }

    private static bool IsNotFound(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is not "NoSuchBucket";

    /// <summary>
    /// Whether <paramref name="ex"/> is a failure of the store (transport, server, SDK) rather than the caller's
    /// cancellation or a bug: those become <see cref="IOException"/>.
    /// </summary>
    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // a timeout, not the caller
        AmazonServiceException or AmazonClientException or HttpRequestException or SocketException or IOException => true,
        _ => false,
    };

    private IOException Unavailable(string operation, string key, Exception ex)
    {
        string status = ex is AmazonServiceException { StatusCode: var code } && code != 0 ? $" ({(int)code} {((AmazonServiceException)ex).ErrorCode})" : "";
        return new IOException($"The S3 blob store is unavailable: {operation} of '{key}' at {_description} failed{status}: {ex.Message}", ex);
    }

    private BlobProperties Describe(string key, long? length, DateTime? lastModified, string? etag) =>
        new(length ?? 0, ToOffset(lastModified), Quote(etag, key));

    private DateTimeOffset ToOffset(DateTime? time) => time switch
    {
        null => _timeProvider.GetUtcNow(),
        { Kind: DateTimeKind.Unspecified } t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
        { } t => new DateTimeOffset(t.ToUniversalTime()),
    };

    private string Quote(string? etag, string key)
    {
        if (string.IsNullOrEmpty(etag))
        {
            throw new IOException($"{_description}{key}: the server answered without an ETag.");
        }

        return etag.StartsWith('"') && etag.EndsWith('"') && etag.Length >= 2 ? etag : $"\"{etag.Trim('"')}\"";
    }
}
