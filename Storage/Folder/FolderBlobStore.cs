using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace ModMesh.Storage.Folder;

/// <summary>
/// An <see cref="IBlobStore"/> over a local folder: key <c>a/b/c</c> is the file <c>{root}/a/b/c</c>.
/// </summary>
/// <remarks>
/// <para>
/// Writes go to a temporary file under <c>{root}/.tmp/</c>, are flushed to disk and then renamed over the target,
/// so a reader sees the old blob or the new one, whole. Nothing here takes an in-process lock: several processes
/// (several cache nodes on one machine) may share one folder, and the atomic rename is the only guarantee relied on.
/// </para>
/// <para>
/// Folder-specific limits: the first key segment <c>.tmp</c> is reserved; a key cannot be a blob and also the
/// "folder" of other keys (<c>a/b</c> and <c>a/b/c</c> cannot both exist; the second write throws
/// <see cref="IOException"/>). Module-proxy keys never collide that way.
/// </para>
/// <para>
/// ETags are <c>"{length:x}-{lastWriteTicks:x}"</c>. Every write stamps the file's last-write time itself from a
/// fine-grained, per-instance strictly increasing clock, so two writes of equal length get different ETags even on
/// file systems whose own modification times are coarse.
/// </para>
/// </remarks>
public sealed class FolderBlobStore : IBlobStore
{
    /// <summary>The reserved top-level folder that holds temporary files; never listed, never a key.</summary>
    internal const string TempFolderName = ".tmp";

    private const int WriteBufferSize = 81920;
    private const int ReadBufferSize = 16384;
    private const int MoveAttempts = 8;

    /// <summary>Temporary files untouched for this long belong to a crashed writer and are swept.</summary>
    private static readonly TimeSpan StaleTempFileAge = TimeSpan.FromHours(1);

    private readonly string _root;
    private readonly string _tempRoot;
    private long _lastStampTicks;
    private int _sweptStaleTemps;

    /// <summary>Creates a store over <see cref="FolderBlobStoreOptions.RootPath"/>.</summary>
    public FolderBlobStore(IOptions<FolderBlobStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string rootPath = options.Value.RootPath;
        if (string.IsNullOrWhiteSpace(rootPath))
        {
            throw new ArgumentException("FolderBlobStoreOptions.RootPath is required.", nameof(options));
        }

        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        _tempRoot = Path.Join(_root, TempFolderName);
    }

    /// <summary>The absolute root folder.</summary>
    public string RootPath => _root;

    /// <inheritdoc />
    public string Name => "folder";

    /// <inheritdoc />
    public ValueTask<BlobProperties?> StatAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();

        // One stat call: length and time belong to the same file even when a writer renames over it right now.
        var info = new FileInfo(PathFor(key));
        return ValueTask.FromResult(info.Exists ? Describe(info.Length, info.LastWriteTimeUtc) : null);
    }

    /// <inheritdoc />
    public ValueTask<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();

        string path = PathFor(key);
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = ReadBufferSize,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (FileNotFoundException)
        {
            return ValueTask.FromResult<BlobReader?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return ValueTask.FromResult<BlobReader?>(null);
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            // The key names a "folder" of other keys, not a blob.
            return ValueTask.FromResult<BlobReader?>(null);
        }

        try
        {
            // Describe the open file (not the path): a concurrent rename cannot make properties and bytes disagree.
            var properties = Describe(stream.SafeFileHandle);
            return ValueTask.FromResult<BlobReader?>(new BlobReader(stream, properties, path));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();

        string target = PathFor(key);
        Directory.CreateDirectory(_tempRoot);
        SweepStaleTempFilesOnce();
        string temp = Path.Join(_tempRoot, $"{Guid.NewGuid():N}.put");
        try
        {
            BlobProperties properties;
            var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = WriteBufferSize,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, WriteBufferSize, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                File.SetLastWriteTimeUtc(file.SafeFileHandle, NextStamp());
                file.Flush(flushToDisk: true);
                properties = Describe(file.SafeFileHandle);
            }

            // Past this point the blob becomes visible: the last moment a cancellation can still undo the write.
            cancellationToken.ThrowIfCancellationRequested();
            MoveIntoPlace(temp, target);
            return properties;
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();

        string path = PathFor(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        // Rename away first: of two concurrent deletes exactly one wins the rename, so exactly one returns true.
        Directory.CreateDirectory(_tempRoot);
        string grave = Path.Join(_tempRoot, $"{Guid.NewGuid():N}.del");
        try
        {
            File.Move(path, grave);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult(false);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }

        TryDeleteFile(grave);
        RemoveEmptyParents(path);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only the folder holding the prefix's last '/' is read, its entries filtered by the rest of the prefix, and
    /// matching sub-folders walked depth first. Entries are sorted per folder (files by name, folders by name + '/'),
    /// which yields keys in global ordinal order while holding one folder's names per level, never the whole tree.
    /// </remarks>
    public async IAsyncEnumerable<string> ListKeysAsync(
        string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobKeyRules.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();

        int slash = prefix.LastIndexOf('/');
        string folderKey = prefix[..(slash + 1)];
        string namePrefix = prefix[(slash + 1)..];
        if (IsTempFolderKey(folderKey))
        {
            yield break;
        }

        var frames = new Stack<Frame>();
        frames.Push(new Frame(folderKey, await ReadFolderAsync(folderKey, namePrefix, cancellationToken).ConfigureAwait(false)));
        while (frames.Count > 0)
        {
            var frame = frames.Peek();
            if (frame.Next == frame.Entries.Length)
            {
                frames.Pop();
                continue;
            }

            var entry = frame.Entries[frame.Next++];
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.IsFolder)
            {
                string childKey = frame.FolderKey + entry.SortName;
                frames.Push(new Frame(childKey, await ReadFolderAsync(childKey, "", cancellationToken).ConfigureAwait(false)));
            }
            else
            {
                yield return frame.FolderKey + entry.SortName;
            }
        }
    }

    private static bool IsTempFolderKey(string folderKey) =>
        folderKey.StartsWith(TempFolderName + "/", StringComparison.Ordinal);

    private Task<Entry[]> ReadFolderAsync(string folderKey, string namePrefix, CancellationToken cancellationToken) =>
        Task.Run(() => ReadFolder(folderKey, namePrefix), cancellationToken);

    private Entry[] ReadFolder(string folderKey, string namePrefix)
    {
        string folder = folderKey.Length == 0 ? _root : Path.Join(_root, folderKey);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            AttributesToSkip = 0, // names starting with '.' are "hidden" on Unix; they are still keys here.
            IgnoreInaccessible = true,
            ReturnSpecialDirectories = false,
        };

        var entries = new List<Entry>();
        try
        {
            var enumerable = new FileSystemEnumerable<Entry>(
                folder,
                (ref FileSystemEntry e) => new Entry(e.FileName.ToString(), e.IsDirectory),
                options)
            {
                ShouldIncludePredicate = (ref FileSystemEntry e) => e.FileName.StartsWith(namePrefix, StringComparison.Ordinal),
            };
            foreach (var entry in enumerable)
            {
                // Skip what no key can name: stray files, and the temp folder at the root.
                if (!BlobKeyRules.IsValidSegment(entry.Name) ||
                    (folderKey.Length == 0 && entry.IsFolder && entry.Name == TempFolderName))
                {
                    continue;
                }

                entries.Add(entry);
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing under this prefix, or a concurrent delete removed the emptied folder.
        }
        catch (IOException) when (!Directory.Exists(folder))
        {
            // The "folder" is a file (ENOTDIR): no key can lie below it.
        }

        var array = entries.ToArray();
        Array.Sort(array, static (a, b) => string.CompareOrdinal(a.SortName, b.SortName));
        return array;
    }

    private string PathFor(string key) =>
        Path.Join(_root, Path.DirectorySeparatorChar == '/' ? key : key.Replace('/', Path.DirectorySeparatorChar));

    private static BlobProperties Describe(Microsoft.Win32.SafeHandles.SafeFileHandle handle) =>
        Describe(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));

    private static BlobProperties Describe(long length, DateTime lastWriteUtc) =>
        new(length, new DateTimeOffset(lastWriteUtc.Ticks, TimeSpan.Zero), $"\"{length:x}-{lastWriteUtc.Ticks:x}\"");

    /// <summary>
    /// Wall-clock time, strictly increasing within this instance. The file system keeps it as the file's last-write
    /// time, which the ETag is made of (kernel modification times can be as coarse as a scheduler tick).
    /// </summary>
    private DateTime NextStamp()
    {
        while (true)
        {
            long last = Interlocked.Read(ref _lastStampTicks);
            long next = Math.Max(DateTime.UtcNow.Ticks, last + 1);
            if (Interlocked.CompareExchange(ref _lastStampTicks, next, last) == last)
            {
                return new DateTime(next, DateTimeKind.Utc);
            }
        }
    }

    private static void MoveIntoPlace(string temp, string target)
    {
        string parent = Path.GetDirectoryName(target)!;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(parent);
                File.Move(temp, target, overwrite: true);
                return;
            }
            catch (DirectoryNotFoundException) when (attempt < MoveAttempts)
            {
                // A concurrent delete removed the (empty) parent between our create and our rename: create it again.
            }
        }
    }

    private void RemoveEmptyParents(string path)
    {
        string? folder = Path.GetDirectoryName(path);
        while (folder is not null && folder.Length > _root.Length && folder.StartsWith(_root, StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(folder, recursive: false);
            }
            catch (IOException)
            {
                return; // not empty (or already gone): stop climbing.
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }

            folder = Path.GetDirectoryName(folder);
        }
    }

    private void SweepStaleTempFilesOnce()
    {
        if (Interlocked.Exchange(ref _sweptStaleTemps, 1) != 0)
        {
            return;
        }

        try
        {
            var cutoff = DateTime.UtcNow - StaleTempFileAge;
            foreach (var file in new DirectoryInfo(_tempRoot).EnumerateFiles())
            {
                if (file.LastWriteTimeUtc < cutoff)
                {
                    TryDeleteFile(file.FullName);
                }
            }
        }
        catch (IOException)
        {
            // Best effort only.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private readonly record struct Entry
    {
        public Entry(string name, bool isFolder)
        {
            Name = name;
            IsFolder = isFolder;
            SortName = isFolder ? name + "/" : name;
        }

        public string Name { get; }

        public bool IsFolder { get; }

        /// <summary>What the entry contributes to its keys: the file name, or the folder name and a '/'.</summary>
        public string SortName { get; }
    }

    private sealed class Frame(string folderKey, Entry[] entries)
    {
        public string FolderKey { get; } = folderKey;

        public Entry[] Entries { get; } = entries;

        public int Next { get; set; }
    }
}

/// <summary>
/// The key rules of <see cref="IBlobStore"/>: '/'-separated printable ASCII segments, none empty, "." or "..",
/// no backslash, no control characters, not absolute.
/// </summary>
internal static class BlobKeyRules
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a valid key.</summary>
    public static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new ArgumentException("A blob key must not be empty.", nameof(key));
        }

        int start = 0;
        while (true)
        {
            int end = key.IndexOf('/', start);
            bool last = end < 0;
            if (last)
            {
                end = key.Length;
            }

            ValidateSegment(key, key.AsSpan(start, end - start), nameof(key));
            if (start == 0 && key.AsSpan(0, end).SequenceEqual(FolderBlobStore.TempFolderName))
            {
                throw new ArgumentException($"The key '{key}' uses the reserved top-level segment '{FolderBlobStore.TempFolderName}'.", nameof(key));
            }

            if (last)
            {
                return;
            }

            start = end + 1;
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="prefix"/> could start a valid key: every segment
    /// before the last '/' is a valid segment; the rest (possibly empty) holds only valid characters.
    /// </summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        int start = 0;
        while (true)
        {
            int end = prefix.IndexOf('/', start);
            if (end < 0)
            {
                ValidateCharacters(prefix, prefix.AsSpan(start), nameof(prefix));
                return;
            }

            ValidateSegment(prefix, prefix.AsSpan(start, end - start), nameof(prefix));
            start = end + 1;
        }
    }

    /// <summary>Whether a file or folder name can be one segment of a key.</summary>
    public static bool IsValidSegment(ReadOnlySpan<char> segment) =>
        segment.Length > 0 && segment is not "." and not ".." && AllValidCharacters(segment);

    private static void ValidateSegment(string value, ReadOnlySpan<char> segment, string paramName)
    {
        if (segment.Length == 0)
        {
            throw new ArgumentException($"'{value}' has an empty segment (a leading '/', a trailing '/' or '//').", paramName);
        }

        if (segment is "." or "..")
        {
            throw new ArgumentException($"'{value}' has a '.' or '..' segment.", paramName);
        }

        ValidateCharacters(value, segment, paramName);
    }

    private static void ValidateCharacters(string value, ReadOnlySpan<char> segment, string paramName)
    {
        if (!AllValidCharacters(segment))
        {
            throw new ArgumentException(
                $"'{value}' holds a character a blob key cannot: keys are printable ASCII without '\\'.", paramName);
        }
    }

    private static bool AllValidCharacters(ReadOnlySpan<char> segment)
    {
        foreach (char c in segment)
        {
            if (c < (char)0x20 || c > (char)0x7E || c == '\\' || c == '/')
            {
                return false;
            }
        }

        return true;
    }
}
