using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Storage.Tiering;

/// <summary>
/// The node-local tier: an <see cref="IBlobStore"/> decorator over the shared store. Immutable blobs (committed
/// module files under "modules/", checksum-database answers under "sumdb/") read from the shared store are kept in
/// memory (small ones) or on local disk (zips, copied while they stream to the first client), each within a byte
/// budget with least-recently-used eviction. "Not found" is never remembered (a version may be committed later),
/// every write goes to the shared store, and a write or delete drops the local copy. When the shared store fails,
/// what the tier holds is still served.
/// </summary>
public sealed class TieredBlobStore : IBlobStore
{
    /// <summary>Name of the storage meter.</summary>
    public const string TelemetryName = "ModMesh.Storage";

    private static readonly System.Diagnostics.Metrics.Meter Meter = new(TelemetryName);
    private static readonly System.Diagnostics.Metrics.Counter<long> Reads =
        Meter.CreateCounter<long>("modmesh.tier.reads", description: "Reads of immutable blobs by the node-local tier: hits (by tier) and misses.");

    private readonly IBlobStore _shared;
    private readonly LocalTierOptions _options;
    private readonly ByteBudgetLru<(byte[] Bytes, BlobProperties Properties)>? _memory;
    private readonly ByteBudgetLru<(string Path, BlobProperties Properties)>? _disk;
    private readonly ByteBudgetLru<BlobProperties> _stats;
    private readonly string _diskFolder;

    /// <summary>Stats of the shared store in progress, by key: concurrent stats of one immutable blob share one question.</summary>
    private readonly ConcurrentDictionary<string, Task<BlobProperties?>> _statting = new(StringComparer.Ordinal);

    /// <summary>
    /// Copies into the tier in progress, by key, registered before the shared store is asked: a burst of misses for one
    /// blob (every client that waited for a fill asks at once) waits for the first copy and is answered locally, instead
    /// of each reading the shared store. The task's result says whether the blob was there.
    /// </summary>
    private readonly ConcurrentDictionary<string, Task<bool>> _copying = new(StringComparer.Ordinal);

    /// <summary>How long a miss waits for another reader's copy of the same blob before reading the shared store itself.</summary>
    private static readonly TimeSpan CopyWait = TimeSpan.FromSeconds(5);

    private long _hits;
    private long _misses;
    private long _writes;

    /// <summary>Wraps <paramref name="shared"/>.</summary>
    public TieredBlobStore(IBlobStore shared, LocalTierOptions options)
    {
        _shared = shared;
        _options = options;
        if (options.MemoryBytes > 0)
        {
            _memory = new ByteBudgetLru<(byte[] Bytes, BlobProperties Properties)>(options.MemoryBytes, e => e.Bytes.Length + 256);
        }

        // Properties of blobs seen (so the commit-marker check costs no round trip once a version was read).
        _stats = new ByteBudgetLru<BlobProperties>(8L << 20, _ => 256);
        var root = string.IsNullOrEmpty(options.DiskPath) ? Path.Combine(Path.GetTempPath(), "modmesh-tier") : options.DiskPath;
        _diskFolder = Path.Combine(root, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (options.DiskBytes > 0)
        {
            RemoveAbandonedFolders(root);
            Directory.CreateDirectory(_diskFolder);
            _disk = new ByteBudgetLru<(string Path, BlobProperties Properties)>(options.DiskBytes, e => e.Properties.Length, e => TryDelete(e.Path));
        }
    }

    /// <inheritdoc />
    public string Name => $"{_shared.Name}+local";

    /// <summary>The shared store behind the tier (for reads that must see the shared bytes, e.g. verification).</summary>
    public IBlobStore Shared => _shared;

    /// <summary>Reads answered by the tier.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Reads of cacheable blobs that went to the shared store.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Bytes held in memory and on disk.</summary>
    public (long Memory, long Disk) Usage => (_memory?.Bytes ?? 0, _disk?.Bytes ?? 0);

    /// <summary>The byte budgets of memory and disk (0 for a tier that is off).</summary>
    public (long Memory, long Disk) Limits => (_memory is null ? 0 : _options.MemoryBytes, _disk is null ? 0 : _options.DiskBytes);

    /// <inheritdoc />
    public ValueTask<BlobProperties?> StatAsync(string key, CancellationToken cancellationToken) => StatAsync(key, shareMiss: false, cancellationToken);

    /// <summary>
    /// <see cref="StatAsync(string, CancellationToken)"/>, where concurrent stats of one immutable key share one
    /// question to the shared store. Every caller may take a "there" from it (immutable blobs never change); only
    /// callers that pass <paramref name="shareMiss"/> take a "not there" (see <see cref="OpenReadAsync(string, bool, CancellationToken)"/>),
    /// the others ask again.
    /// </summary>
    public async ValueTask<BlobProperties?> StatAsync(string key, bool shareMiss, CancellationToken cancellationToken)
    {
        if (!IsImmutable(key))
        {
            return await _shared.StatAsync(key, cancellationToken).ConfigureAwait(false);
        }

        if (_stats.TryGet(key, out var known))
        {
            Hit("stat");
            return known;
        }

        var mine = new TaskCompletionSource<BlobProperties?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var asking = _statting.GetOrAdd(key, mine.Task);
        if (!ReferenceEquals(asking, mine.Task))
        {
            try
            {
                var answer = await asking.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (answer is not null || shareMiss)
                {
                    return answer;
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The first caller's question failed (or it gave up): ask ourselves, and meet its failure first-hand.
            }

            return await _shared.StatAsync(key, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var properties = await _shared.StatAsync(key, cancellationToken).ConfigureAwait(false);
            if (properties is not null)
            {
                _stats.Set(key, properties);
            }

            mine.TrySetResult(properties);
            return properties;
        }
        catch (Exception ex)
        {
            mine.TrySetException(ex);
            throw;
        }
        finally
        {
            _statting.TryRemove(new KeyValuePair<string, Task<BlobProperties?>>(key, mine.Task));
        }
    }

    /// <inheritdoc />
    public ValueTask<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken) => OpenReadAsync(key, shareMiss: false, cancellationToken);

    /// <summary>
    /// <see cref="OpenReadAsync(string, CancellationToken)"/>, where a reader that joins another reader's shared read
    /// may take its "not there" too (<paramref name="shareMiss"/>): for a caller to whom a "not there" that was true a
    /// moment before it asked is harmless (the cache node's first look, which then asks the filler, and the filler
    /// looks again). Without it, such a reader asks the shared store itself, so a reader that learnt of a commit never
    /// gets a "not there" from a read that began before the commit.
    /// </summary>
    public async ValueTask<BlobReader?> OpenReadAsync(string key, bool shareMiss, CancellationToken cancellationToken)
    {
        if (!IsImmutable(key))
        {
            return await _shared.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        }

        if (TryOpenLocal(key) is { } local)
        {
            return local;
        }

        // One reader of the shared store per blob at a time: the first registers before it asks the shared store, so a
        // burst of readers (every client that waited for a fill asks the moment it is committed) costs one shared read
        // and one copy into the tier, and the others read the copy.
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var copying = _copying.GetOrAdd(key, done.Task);
        if (!ReferenceEquals(copying, done.Task))
        {
            var found = true;
            try
            {
                found = await copying.WaitAsync(CopyWait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A slow first reader: read the shared store ourselves.
            }

            if (TryOpenLocal(key) is { } copied)
            {
                return copied;
            }

            if (!found && shareMiss)
            {
                return null;
            }

            // The first reader found nothing (it may have asked before a commit this reader saw), kept no copy (too
            // large), or is slow: read the shared store without a copy of our own.
            return await ReadSharedAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var handedOver = false;
        var exists = false;
        void Finished()
        {
            _copying.TryRemove(new KeyValuePair<string, Task<bool>>(key, done.Task));
            done.TrySetResult(exists);
        }

        try
        {
            var writesBefore = Interlocked.Read(ref _writes);
            var reader = await ReadSharedAsync(key, cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return null;
            }

            exists = true;
            if (_memory is not null && reader.Properties.Length <= _options.MemoryMaxEntryBytes)
            {
                await using (reader.ConfigureAwait(false))
                {
                    var bytes = new byte[reader.Properties.Length];
                    await reader.Content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                    if (await StillCurrentAsync(key, reader.Properties, writesBefore).ConfigureAwait(false))
                    {
                        _memory.Set(key, (bytes, reader.Properties));
                    }

                    return new BlobReader(new MemoryStream(bytes, writable: false), reader.Properties);
                }
            }

            if (_disk is not null && reader.Properties.Length <= _options.DiskBytes)
            {
                // A file of its own for every copy: overlapping first reads each finish a copy, and replacing the
                // index entry deletes the previous copy, never the one just moved in.
                var final = $"{DiskPathOf(key)}.{Guid.NewGuid():N}";
                var properties = reader.Properties;
                var tee = new TeeToFileStream(reader.Content, final + ".part", properties.Length, completed =>
                {
                    try
                    {
                        if (!StillCurrentAsync(key, properties, writesBefore).AsTask().GetAwaiter().GetResult())
                        {
                            TryDelete(completed);
                            return;
                        }

                        File.Move(completed, final, overwrite: true);
                        _disk.Set(key, (final, properties));
                    }
                    catch (IOException)
                    {
                        TryDelete(completed);
                    }
                }, Finished);

                // The copy finishes (and releases the waiters) when this reader's stream ends or is disposed.
                handedOver = true;
                return new BlobReader(tee, properties);
            }

            return reader;
        }
        finally
        {
            if (!handedOver)
            {
                Finished();
            }
        }
    }

    /// <summary>A read of the shared store, counted as a miss; the caller decides whether the tier keeps a copy.</summary>
    private async ValueTask<BlobReader?> ReadSharedAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _misses);
        Reads.Add(1, new KeyValuePair<string, object?>("result", "miss"));
        var reader = await _shared.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (reader is not null)
        {
            _stats.Set(key, reader.Properties);
        }

        return reader;
    }

    /// <summary>A reader over the tier's own copy (memory, then disk), or null.</summary>
    private BlobReader? TryOpenLocal(string key)
    {
        if (_memory is not null && _memory.TryGet(key, out var inMemory))
        {
            Hit("memory");
            return new BlobReader(new MemoryStream(inMemory.Bytes, writable: false), inMemory.Properties);
        }

        if (_disk is not null && _disk.TryGet(key, out var onDisk))
        {
            try
            {
                var file = new FileStream(onDisk.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                Hit("disk");

                // No LocalFilePath: the file may be evicted (deleted) at any moment, so it is served from this open
                // handle (which keeps its bytes on Linux) and never reopened by path.
                return new BlobReader(file, onDisk.Properties);
            }
            catch (IOException)
            {
                _disk.Remove(key);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        Forget(key);
        try
        {
            return await _shared.PutAsync(key, content, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Forget(key);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Forget(key);
        return await _shared.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken) =>
        _shared.ListKeysAsync(prefix, cancellationToken);

    private void Hit(string tier)
    {
        Interlocked.Increment(ref _hits);
        Reads.Add(1, new KeyValuePair<string, object?>("result", "hit"), new KeyValuePair<string, object?>("tier", tier));
    }

    private static bool IsImmutable(string key) => Modules.ModuleStore.IsImmutableKey(key);

    /// <summary>
    /// True when a copy made from a read that started at <paramref name="writesBefore"/> may be kept: no write or
    /// delete went through the tier since (the common case, no round trip), or the shared store still has the same
    /// version of the blob (a write of another key happened meanwhile).
    /// </summary>
    private async ValueTask<bool> StillCurrentAsync(string key, BlobProperties copied, long writesBefore)
    {
        if (Interlocked.Read(ref _writes) == writesBefore)
        {
            return true;
        }

        try
        {
            var now = await _shared.StatAsync(key, CancellationToken.None).ConfigureAwait(false);
            return now is not null && now.ETag == copied.ETag && now.Length == copied.Length;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Drops what this node's tier holds of <paramref name="key"/> (memory, disk, properties), so the next read asks the
    /// shared store: for a blob another node removed (a quarantined file).
    /// </summary>
    public void Forget(string key)
    {
        Interlocked.Increment(ref _writes);
        _stats.Remove(key);
        _memory?.Remove(key);
        _disk?.Remove(key);
    }

    private string DiskPathOf(string key)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        var folder = Path.Combine(_diskFolder, hash[..2]);
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, hash);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the folder is per process and removed when the next process starts.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void RemoveAbandonedFolders(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && pid != Environment.ProcessId && !IsRunning(pid))
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
