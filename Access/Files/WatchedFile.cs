using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ModMesh.Access;

/// <summary>
/// A small text file parsed into a <typeparamref name="T"/> and kept current while it changes: a
/// <see cref="FileSystemWatcher"/> on its folder plus a periodic check, each of which reads the file and compares a
/// hash of its bytes with the loaded version.
/// </summary>
/// <remarks>
/// <para>New content is applied once it has stayed the same for <see cref="FileWatchOptions.SettleTime"/> and parses
/// without a problem. Until then, and whenever the file is missing, unreadable or has problems, the last good version
/// stays in force and a warning is logged once per distinct state. The first load, in the constructor, has no last good
/// version: a missing or bad file there throws <see cref="AccessFileException"/>.</para>
/// <para>The watcher reacts to the file's own name and to names starting with "..": Kubernetes updates a mounted
/// ConfigMap or Secret by writing a new "..2024_..." folder and renaming a "..data_tmp" symlink over "..data", which
/// the file's own symlink points through. Nothing happens to the file's own name then.</para>
/// </remarks>
internal sealed partial class WatchedFile<T> : IDisposable
    where T : class
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string path;
    private readonly string fileName;
    private readonly string kind;
    private readonly Func<string, AccessFileParseResult<T>> parse;
    private readonly Func<T, string> describe;
    private readonly TimeProvider time;
    private readonly FileWatchOptions options;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly ITimer settleTimer;
    private readonly ITimer? pollTimer;
    private readonly FileSystemWatcher? watcher;

    private T current;
    private long generation;
    private DateTimeOffset loadedAt;
    private byte[] appliedHash;
    private byte[]? rejectedHash;
    private byte[]? candidateHash;
    private DateTimeOffset candidateSince;
    private string? reportedReadFailure;
    private bool disposed;

    public WatchedFile(
        string path,
        string kind,
        Func<string, AccessFileParseResult<T>> parse,
        Func<T, string> describe,
        TimeProvider time,
        FileWatchOptions options,
        ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options.Validate();
        this.path = Path.GetFullPath(path);
        fileName = Path.GetFileName(this.path);
        this.kind = kind;
        this.parse = parse;
        this.describe = describe;
        this.time = time;
        this.options = options;
        this.logger = logger;

        var (bytes, failure, exception) = Read();
        if (bytes is null)
        {
            throw new AccessFileException(this.path, [new(0, AccessFileProblemKind.Unreadable, failure!)], exception);
        }

        var result = Parse(bytes);
        if (result.Value is null)
        {
            throw new AccessFileException(this.path, result.Problems);
        }

        current = result.Value;
        appliedHash = SHA256.HashData(bytes);
        generation = 1;
        loadedAt = time.GetUtcNow();
        Log.Loaded(logger, kind, this.path, describe(current));

        settleTimer = time.CreateTimer(_ => SafeCheck(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (options.PollInterval != Timeout.InfiniteTimeSpan)
        {
            pollTimer = time.CreateTimer(_ => SafeCheck(), null, options.PollInterval, options.PollInterval);
        }

        if (options.UseFileSystemWatcher)
        {
            watcher = TryWatch();
        }
    }

    /// <summary>The version in force.</summary>
    public T Current => Volatile.Read(ref current);

    /// <summary>1 after the first load, one more for every version applied since.</summary>
    public long Generation => Interlocked.Read(ref generation);

    /// <summary>When the version in force was applied.</summary>
    public DateTimeOffset LoadedAt
    {
        get
        {
            lock (gate)
            {
                return loadedAt;
            }
        }
    }

    /// <summary>Reads the file now, as the watcher and the periodic check do (new content still has to settle).</summary>
    public void CheckNow() => Check();

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        watcher?.Dispose();
        pollTimer?.Dispose();
        settleTimer.Dispose();
    }

    private FileSystemWatcher? TryWatch()
    {
        var folder = Path.GetDirectoryName(path)!;
        try
        {
            var w = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite
                    | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes,
            };
            w.Changed += OnChanged;
            w.Created += OnChanged;
            w.Deleted += OnChanged;
            w.Renamed += OnRenamed;
            w.Error += OnError;
            w.EnableRaisingEvents = true;
            return w;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            Log.WatcherUnavailable(logger, e, folder, path, options.PollInterval);
            return null;
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (IsRelevant(e.Name))
        {
            SafeCheck();
        }
    }

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        if (IsRelevant(e.Name) || IsRelevant(e.OldName))
        {
            SafeCheck();
        }
    }

    private void OnError(object? sender, ErrorEventArgs e)
    {
        // Typically an overflow of the kernel's event queue: changes may have been missed, so look now.
        Log.WatcherError(logger, e.GetException(), path);
        SafeCheck();
    }

    private bool IsRelevant(string? name) =>
        name is not null && (string.Equals(name, fileName, StringComparison.Ordinal) || name.StartsWith("..", StringComparison.Ordinal));

    // Timer and watcher callbacks run on the thread pool, where an exception would end the process.
    private void SafeCheck()
    {
        try
        {
            Check();
        }
        catch (Exception e)
        {
            Log.Unreadable(logger, e, kind, path, LoadedAt);
        }
    }

    private void Check()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            var (bytes, failure, exception) = Read();
            if (bytes is null)
            {
                candidateHash = null;
                if (!string.Equals(reportedReadFailure, failure, StringComparison.Ordinal))
                {
                    reportedReadFailure = failure;
                    Log.Missing(logger, exception, kind, path, failure!, loadedAt);
                }

                return;
            }

            reportedReadFailure = null;
            var hash = SHA256.HashData(bytes);
            if (hash.AsSpan().SequenceEqual(appliedHash))
            {
                candidateHash = null;
                return;
            }

            if (rejectedHash is not null && hash.AsSpan().SequenceEqual(rejectedHash))
            {
                return;
            }

            var now = time.GetUtcNow();
            if (candidateHash is null || !hash.AsSpan().SequenceEqual(candidateHash))
            {
                candidateHash = hash;
                candidateSince = now;
            }

            var settled = now - candidateSince;
            if (settled < options.SettleTime)
            {
                settleTimer.Change(options.SettleTime - settled, Timeout.InfiniteTimeSpan);
                return;
            }

            candidateHash = null;
            var result = Parse(bytes);
            if (result.Value is null)
            {
                rejectedHash = hash;
                Log.Rejected(logger, kind, path, result.Problems.Count, string.Join("; ", result.Problems), loadedAt);
                return;
            }

            rejectedHash = null;
            appliedHash = hash;
            loadedAt = now;
            Volatile.Write(ref current, result.Value);
            Interlocked.Increment(ref generation);
            Log.Loaded(logger, kind, path, describe(result.Value));
        }
    }

    private AccessFileParseResult<T> Parse(byte[] bytes)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return new AccessFileParseResult<T>(null, [new(0, AccessFileProblemKind.Unreadable, "the file is not UTF-8 text")]);
        }

        // A UTF-8 byte order mark is tolerated (some editors write one).
        return parse(text.StartsWith('\uFEFF') ? text[1..] : text);
    }

    private (byte[]? Bytes, string? Failure, Exception? Exception) Read()
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > options.MaxFileBytes)
            {
                return (null, $"the file is larger than {options.MaxFileBytes} bytes", null);
            }

            // Read to the end rather than trusting Length: the file may be growing while it is read.
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int n;
            while ((n = stream.Read(chunk)) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > options.MaxFileBytes)
                {
                    return (null, $"the file is larger than {options.MaxFileBytes} bytes", null);
                }
            }

            return (buffer.ToArray(), null, null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, "the file does not exist", null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, "the file could not be read: " + e.Message, e);
        }
    }
}
