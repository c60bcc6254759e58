namespace ModMesh.Storage;

/// <summary>
/// A flat key/value store of immutable-ish blobs: a local folder or an S3 bucket.
/// Keys are '/'-separated, ASCII, case-sensitive, never start with '/', never contain "..".
/// "Not found" is a result (<c>null</c>), never an exception.
/// </summary>
public interface IBlobStore
{
    /// <summary>A short name for logs and metrics ("folder", "s3").</summary>
    string Name { get; }

    /// <summary>Size, time and ETag of a blob, or <c>null</c> when there is none.</summary>
    ValueTask<BlobProperties?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a blob for streaming, or returns <c>null</c> when there is none. The caller disposes the reader.
    /// The stream is never fully buffered in memory by the store.
    /// </summary>
    ValueTask<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a blob from a stream (read to its end, never buffered whole). Atomic: a concurrent reader sees the
    /// previous blob or the new one, whole, never a part. When the stream or the token fails, nothing is written.
    /// Last writer wins.
    /// </summary>
    Task<BlobProperties> PutAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>Deletes a blob; returns whether one was there.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Every key that starts with <paramref name="prefix"/> (a plain string prefix, not a folder), in ordinal order,
    /// however many there are (implementations page internally).
    /// </summary>
    IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>What a store knows about one blob.</summary>
/// <param name="Length">Size in bytes.</param>
/// <param name="LastModified">When it was last written.</param>
/// <param name="ETag">An opaque validator that changes whenever the bytes change (quoted, as in HTTP).</param>
public sealed record BlobProperties(long Length, DateTimeOffset LastModified, string ETag);

/// <summary>An open blob. Dispose it to release the underlying file or connection.</summary>
public sealed class BlobReader(Stream content, BlobProperties properties, string? localFilePath = null) : IAsyncDisposable, IDisposable
{
    /// <summary>The bytes, streamed.</summary>
    public Stream Content { get; } = content;

    /// <summary>Size, time and ETag.</summary>
    public BlobProperties Properties { get; } = properties;

    /// <summary>When the blob is a file on this machine, its path (lets a server use sendfile); otherwise null.</summary>
    public string? LocalFilePath { get; } = localFilePath;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => Content.Dispose();
}
