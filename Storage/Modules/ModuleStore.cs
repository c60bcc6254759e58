using System.Runtime.CompilerServices;
using ModMesh.Storage.Tiering;

namespace ModMesh.Storage.Modules;

/// <summary>One of the three files of a module version; each is filled, checked and committed on its own.</summary>
public enum ModuleFile
{
    /// <summary>The .info JSON.</summary>
    Info,

    /// <summary>The go.mod file.</summary>
    Mod,

    /// <summary>The module zip.</summary>
    Zip,
}

/// <summary>
/// A module version as it appears in URLs and keys: both parts are already case-encoded ("!" before upper case)
/// and validated by the protocol layer, so they are safe as key segments.
/// </summary>
public readonly record struct ModuleVersionKey(string EscapedPath, string EscapedVersion)
{
    /// <inheritdoc />
    public override string ToString() => $"{EscapedPath}@{EscapedVersion}";
}

/// <summary>
/// A committed file ready to be served: its bytes (small files, kept in memory), its local path (a folder store: send
/// it by path, sendfile), or else an open <see cref="Reader"/> the caller disposes. Exactly one of the three is set.
/// </summary>
public sealed record CommittedFile(BlobProperties Properties, byte[]? Bytes = null, string? LocalPath = null, BlobReader? Reader = null);

/// <summary>
/// The one owner of ModMesh's key layout in a blob store, of what is immutable there, and of the commit rule.
/// <list type="bullet">
/// <item><c>modules/{path}/@v/{version}.info</c>, <c>.mod</c>, <c>.zip</c>: the files of a version, each committed on
/// its own by a single atomic write once it is complete and checked (a blob store write is all or nothing: the folder
/// store renames a finished temp file, S3 makes an object visible when its upload completes). A file that is not
/// there is absent, whatever else of the version is. Committed files never change (immutable).</item>
/// <item><c>queries/{path}/@list</c>, <c>@latest</c>: cached answers of mutable queries, each blob's LastModified
/// telling its age.</item>
/// <item><c>sumdb/{name}/...</c>: checksum-database answers that were verified (immutable once written).</item>
/// <item><c>state/sumdb/{name}/verified-latest</c>: the latest verified tree head (mutable: it only grows).</item>
/// <item><c>sums/{path}/@v/{version}.mod.h1</c>, <c>.zip.h1</c>: the "h1:" hash of a committed .mod or .zip, written
/// right after the file by the fill or the publish that committed it (like the go command's <c>.ziphash</c>); never a
/// GOPROXY file, never read on the serving path. Versions committed before these records existed have none.</item>
/// <item><c>quarantine/{stamp}/modules/...</c> (and <c>/sums/...</c>): files taken out of <c>modules/</c> because
/// verification found them corrupt, kept for inspection and never served.</item>
/// </list>
/// The "/@v/" separator keeps the prefix traps apart: "a/b/@v/" never lists "a/b/v2/@v/" or "a/b-other/@v/".
/// <para>
/// Because committed files never change, what a read learnt about one is kept in memory, within a byte budget, least
/// recently used first out: the bytes of small files (.info, .mod, up to <see cref="SmallFileBytes"/>), and the
/// properties and local path of large ones. A warm hit then costs no store round trip. Only positive knowledge is
/// kept: "not committed" is always asked again, so a file committed by another process shows up at once.
/// </para>
/// </summary>
public sealed class ModuleStore
{
    /// <summary>Files up to this size are kept in memory once read (go.mod files and .info are far smaller).</summary>
    public const int SmallFileBytes = 64 * 1024;

    /// <summary>Memory budget of what is kept about committed files (bytes of small files plus a fixed overhead each).</summary>
    public const long KnownFilesBudgetBytes = 16L << 20;

    /// <summary>The prefix of every committed module file.</summary>
    public const string ModulesRoot = "modules/";

    /// <summary>The prefix of cached list/latest answers.</summary>
    public const string QueriesRoot = "queries/";

    /// <summary>The prefix of verified checksum-database answers.</summary>
    public const string SumdbRoot = "sumdb/";

    /// <summary>The prefix of mutable bookkeeping (verified tree heads, last-requested markers, retention reports).</summary>
    public const string StateRoot = "state/";

    /// <summary>The prefix of the last-requested markers of versions (see <see cref="UsedMarkerKeyOf"/>).</summary>
    public const string UsedMarkersRoot = StateRoot + "used/";

    /// <summary>The key of the last retention report.</summary>
    public const string RetentionReportKey = StateRoot + "retention/last-report.json";

    private const string SumsRoot = "sums/";
    private const string QuarantineRoot = "quarantine/";
    private const string HashRecordSuffix = ".h1";
    private const int MaxHashRecordBytes = 256;
    private const int EntryOverheadBytes = 256;
    private static readonly ModuleFile[] AllFiles = [ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip];

    private readonly ByteBudgetLru<CommittedFile> _known =
        new(KnownFilesBudgetBytes, f => (f.Bytes?.Length ?? 0) + (f.LocalPath?.Length ?? 0) * 2 + EntryOverheadBytes);

    /// <summary>A module layout over <paramref name="blobs"/>.</summary>
    public ModuleStore(IBlobStore blobs) => Blobs = blobs;

    /// <summary>The blob store underneath.</summary>
    public IBlobStore Blobs { get; }

    /// <summary>The shared store: <see cref="Blobs"/> without the node-local tier (the bytes every node serves from).</summary>
    public IBlobStore SharedBlobs => Blobs is TieredBlobStore tier ? tier.Shared : Blobs;

    /// <summary>The blob key of one file of a version.</summary>
    public static string KeyOf(ModuleVersionKey version, ModuleFile file) =>
        $"{ModulesRoot}{version.EscapedPath}/@v/{version.EscapedVersion}{Extension(file)}";

    /// <summary>The blob key of a cached query answer of a module ("list" or "latest").</summary>
    public static string QueryKeyOf(string escapedPath, string query) => $"{QueriesRoot}{escapedPath}/@{query}";

    /// <summary>The blob key of a verified checksum-database answer ("checked/lookup/m@v", "checked/tile/8/0/1").</summary>
    public static string SumdbKeyOf(string databaseName, string path) => $"{SumdbRoot}{databaseName}/{path}";

    /// <summary>The blob key of the latest tree head verified for a checksum database (rewritten as the tree grows).</summary>
    public static string VerifiedTreeHeadKeyOf(string databaseName) => $"{StateRoot}{SumdbRoot}{databaseName}/verified-latest";

    /// <summary>The blob key of the recorded "h1:" hash of a committed .mod or .zip (see the class summary).</summary>
    public static string HashRecordKeyOf(ModuleVersionKey version, ModuleFile file) =>
        file == ModuleFile.Info
            ? throw new ArgumentOutOfRangeException(nameof(file), "only .mod and .zip files have an h1 hash")
            : $"{SumsRoot}{version.EscapedPath}/@v/{version.EscapedVersion}{Extension(file)}{HashRecordSuffix}";

    /// <summary>The key under which <paramref name="key"/> is kept once quarantined at <paramref name="stamp"/>.</summary>
    public static string QuarantineKeyOf(string stamp, string key) => $"{QuarantineRoot}{stamp}/{key}";

    /// <summary>
    /// The key of a version's last-requested marker, <c>state/used/{path}/@v/{version}</c>: a tiny blob holding the time
    /// a node last served a file of the version (rewritten at most once per refresh interval per node).
    /// </summary>
    public static string UsedMarkerKeyOf(ModuleVersionKey version) => $"{UsedMarkersRoot}{version.EscapedPath}/@v/{version.EscapedVersion}";

    /// <summary>True for keys whose blobs never change once written (committed module files, verified sumdb answers).</summary>
    public static bool IsImmutableKey(string key) =>
        key.StartsWith(ModulesRoot, StringComparison.Ordinal) || key.StartsWith(SumdbRoot, StringComparison.Ordinal);

    /// <summary>
    /// True when <paramref name="file"/> of the version is committed. With <paramref name="firstLook"/>, concurrent
    /// looks share one question to the shared store, "not committed" included (see <see cref="GetCommittedAsync"/>).
    /// </summary>
    public async ValueTask<bool> IsCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken, bool firstLook = false)
    {
        var key = KeyOf(version, file);
        if (_known.TryGet(key, out _))
        {
            return true;
        }

        var properties = Blobs is TieredBlobStore tier
            ? await tier.StatAsync(key, firstLook, cancellationToken).ConfigureAwait(false)
            : await Blobs.StatAsync(key, cancellationToken).ConfigureAwait(false);
        return properties is not null;
    }

    /// <summary>
    /// A committed file for serving (see <see cref="CommittedFile"/>), or null when it is not committed. Warm hits are
    /// answered from memory: the bytes of small files, the path and properties of large local files. A large file of
    /// a remote store comes back as an open reader. With <paramref name="firstLook"/>, concurrent first looks at a
    /// file that is not committed share one question to the shared store (a burst of clients for an uncached file):
    /// for callers that, on null, ask the filler, which looks again.
    /// </summary>
    public async ValueTask<CommittedFile?> GetCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken, bool firstLook = false)
    {
        var key = KeyOf(version, file);
        if (_known.TryGet(key, out var known))
        {
            return known;
        }

        var reader = firstLook && Blobs is TieredBlobStore tier
            ? await tier.OpenReadAsync(key, shareMiss: true, cancellationToken).ConfigureAwait(false)
            : await Blobs.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        var properties = reader.Properties;
        if (properties.Length <= SmallFileBytes)
        {
            byte[] bytes;
            await using (reader.ConfigureAwait(false))
            {
                bytes = new byte[properties.Length];
                await reader.Content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            }

            known = new CommittedFile(properties, Bytes: bytes);
            _known.Set(key, known);
            return known;
        }

        if (reader.LocalFilePath is { } path)
        {
            // The file never changes, so it can be sent by path from now on; our handle is not needed.
            await reader.DisposeAsync().ConfigureAwait(false);
            known = new CommittedFile(properties, LocalPath: path);
            _known.Set(key, known);
            return known;
        }

        return new CommittedFile(properties, Reader: reader);
    }

    /// <summary>The bytes of a small committed file (.info, .mod), or null when it is not committed.</summary>
    public async ValueTask<byte[]?> ReadSmallAsync(ModuleVersionKey version, ModuleFile file, long maxBytes, CancellationToken cancellationToken)
    {
        var committed = await GetCommittedAsync(version, file, cancellationToken).ConfigureAwait(false);
        if (committed is null)
        {
            return null;
        }

        if (committed.Bytes is { } bytes)
        {
            return bytes;
        }

        if (committed.Properties.Length > maxBytes)
        {
            if (committed.Reader is { } open)
            {
                await open.DisposeAsync().ConfigureAwait(false);
            }

            throw new InvalidDataException($"{KeyOf(version, file)} is larger than {maxBytes} bytes");
        }

        await using var reader = committed.Reader ?? await Blobs.OpenReadAsync(KeyOf(version, file), cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        var buffer = new byte[reader.Properties.Length];
        await reader.Content.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer;
    }

    /// <summary>Opens a committed file, or returns null when it is not committed.</summary>
    public async ValueTask<BlobReader?> OpenCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken) =>
        await Blobs.OpenReadAsync(KeyOf(version, file), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Commits one file of a version with a single atomic write. The caller has checked the content completely and
    /// holds the file's fill lock (so no one else writes it); a file that is already committed is never rewritten.
    /// </summary>
    public Task<BlobProperties> CommitAsync(ModuleVersionKey version, ModuleFile file, Stream content, CancellationToken cancellationToken) =>
        Blobs.PutAsync(KeyOf(version, file), content, cancellationToken);

    /// <summary>
    /// Records the "h1:" hash of a .mod or .zip just committed (the caller computed it from the committed bytes). Not
    /// immutable: a quarantine removes it with its file, and the next fill writes it again.
    /// </summary>
    public async Task RecordHashAsync(ModuleVersionKey version, ModuleFile file, string hash, CancellationToken cancellationToken)
    {
        if (!hash.StartsWith("h1:", StringComparison.Ordinal) || hash.Length > MaxHashRecordBytes || hash.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("not an h1: hash", nameof(hash));
        }

        using var content = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(hash), writable: false);
        await Blobs.PutAsync(HashRecordKeyOf(version, file), content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recorded "h1:" hash of a .mod or .zip, or null when none was recorded (or the record is unusable).</summary>
    public async Task<string?> ReadRecordedHashAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken)
    {
        await using var reader = await Blobs.OpenReadAsync(HashRecordKeyOf(version, file), cancellationToken).ConfigureAwait(false);
        if (reader is null || reader.Properties.Length > MaxHashRecordBytes)
        {
            return null;
        }

        var bytes = new byte[reader.Properties.Length];
        await reader.Content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        return text.StartsWith("h1:", StringComparison.Ordinal) ? text : null;
    }

    /// <summary>
    /// Moves one committed file of a version, and its hash record, out of <c>modules/</c> to
    /// <see cref="QuarantineKeyOf"/> (copied, streamed, then deleted), and forgets what this process knew of it: it is
    /// no longer served, and the next request fills it again. The caller holds the file's fill lock. Returns the
    /// quarantine key of the file, or null when it was not committed.
    /// </summary>
    public async Task<string?> QuarantineAsync(ModuleVersionKey version, ModuleFile file, string stamp, CancellationToken cancellationToken)
    {
        var key = KeyOf(version, file);
        if (file != ModuleFile.Info)
        {
            // The record goes first: a fill that commits the file again after the delete below writes a new record,
            // which must not be removed by this quarantine.
            await MoveAsync(HashRecordKeyOf(version, file), stamp, cancellationToken).ConfigureAwait(false);
        }

        var moved = await MoveAsync(key, stamp, cancellationToken).ConfigureAwait(false);
        Forget(version, file);
        return moved;
    }

    /// <summary>Moves the hash record of a .mod or .zip to quarantine (a wrong record of a good file); null when there was none.</summary>
    public Task<string?> QuarantineHashRecordAsync(ModuleVersionKey version, ModuleFile file, string stamp, CancellationToken cancellationToken) =>
        MoveAsync(HashRecordKeyOf(version, file), stamp, cancellationToken);

    /// <summary>
    /// Forgets what this process remembers of one file of a version (the known-files memory and the node-local tier):
    /// for a file removed from the shared store, here or by another node.
    /// </summary>
    public void Forget(ModuleVersionKey version, ModuleFile file) => Forget(KeyOf(version, file));

    /// <summary>Forgets what this process remembers of the committed file at <paramref name="key"/> (see the other overload).</summary>
    public void Forget(string key)
    {
        _known.Remove(key);
        if (Blobs is TieredBlobStore tier)
        {
            tier.Forget(key);
        }
    }

    /// <summary>
    /// Deletes one committed file of a version (and, for a .mod or .zip, its recorded hash) from the shared store and
    /// forgets it here (see <see cref="Forget(ModuleVersionKey, ModuleFile)"/>); returns whether the file was there.
    /// Only for purge and retention: committed files are otherwise never removed.
    /// </summary>
    public async Task<bool> DeleteCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken)
    {
        Forget(version, file);
        var deleted = await Blobs.DeleteAsync(KeyOf(version, file), cancellationToken).ConfigureAwait(false);
        if (file != ModuleFile.Info)
        {
            // After the file: a fill that commits it again meanwhile writes its record after its commit, never before.
            await Blobs.DeleteAsync(HashRecordKeyOf(version, file), cancellationToken).ConfigureAwait(false);
        }

        // A read that raced the delete may have remembered the file again meanwhile.
        Forget(version, file);
        return deleted;
    }

    private async Task<string?> MoveAsync(string key, string stamp, CancellationToken cancellationToken)
    {
        var target = QuarantineKeyOf(stamp, key);
        await using (var reader = await Blobs.OpenReadAsync(key, cancellationToken).ConfigureAwait(false))
        {
            if (reader is null)
            {
                return null;
            }

            await Blobs.PutAsync(target, reader.Content, cancellationToken).ConfigureAwait(false);
        }

        await Blobs.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        return target;
    }

    /// <summary>
    /// Every version (escaped path and version) with any file committed whose key starts with
    /// <c>modules/</c> + <paramref name="keyPrefix"/> (an escaped path prefix, "" for all), each once, in key order.
    /// </summary>
    public async IAsyncEnumerable<ModuleVersionKey> ListVersionsAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ModuleVersionKey? previous = null;
        await foreach (var key in Blobs.ListKeysAsync(ModulesRoot + keyPrefix, cancellationToken).ConfigureAwait(false))
        {
            var separator = key.IndexOf("/@v/", ModulesRoot.Length, StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var name = key.AsSpan(separator + 4);
            if (name.IndexOf('/') >= 0)
            {
                continue;
            }

            foreach (var candidate in AllFiles)
            {
                var extension = Extension(candidate);
                if (name.EndsWith(extension, StringComparison.Ordinal) && name.Length > extension.Length)
                {
                    var version = new ModuleVersionKey(key[ModulesRoot.Length..separator], name[..^extension.Length].ToString());
                    if (version != previous)
                    {
                        previous = version;
                        yield return version;
                    }

                    break;
                }
            }
        }
    }

    /// <summary>
    /// Every version of a module (escaped form) with <paramref name="file"/> committed, or with any file committed
    /// when it is null; each version once, in key order.
    /// </summary>
    public async IAsyncEnumerable<string> ListCommittedVersionsAsync(string escapedPath, ModuleFile? file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = $"{ModulesRoot}{escapedPath}/@v/";
        string? previous = null;
        await foreach (var key in Blobs.ListKeysAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = key.AsSpan(prefix.Length);
            if (name.IndexOf('/') >= 0)
            {
                continue;
            }

            foreach (var candidate in file is { } one ? [one] : new[] { ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip })
            {
                var extension = Extension(candidate);
                if (name.EndsWith(extension, StringComparison.Ordinal))
                {
                    var version = name[..^extension.Length].ToString();
                    if (version != previous)
                    {
                        previous = version;
                        yield return version;
                    }

                    break;
                }
            }
        }
    }

    /// <summary>
    /// The module paths (escaped form) that have any committed file, in the order of their keys, after
    /// <paramref name="afterEscapedPath"/> (exclusive; null from the start), at most <paramref name="limit"/>: the catalog.
    /// </summary>
    public async IAsyncEnumerable<string> ListModulePathsAsync(string? afterEscapedPath, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? previous = null;
        var count = 0;
        await foreach (var key in Blobs.ListKeysAsync(ModulesRoot, cancellationToken).ConfigureAwait(false))
        {
            var versions = key.IndexOf("/@v/", ModulesRoot.Length, StringComparison.Ordinal);
            if (versions < 0)
            {
                continue;
            }

            var path = key[ModulesRoot.Length..versions];
            // Paths are compared as their key prefixes ("a/b/@v/"), the order the listing comes in ("a/b-c/@v/" sorts
            // before "a/b/@v/" although "a/b" sorts before "a/b-c"), so pages neither skip nor repeat a path.
            if (path == previous || (afterEscapedPath is not null && string.CompareOrdinal(path + "/@v/", afterEscapedPath + "/@v/") <= 0))
            {
                continue;
            }

            previous = path;
            yield return path;
            if (++count >= limit)
            {
                yield break;
            }
        }
    }

    /// <summary>The file extension of <paramref name="file"/> (".info", ".mod", ".zip").</summary>
    public static string Extension(ModuleFile file) => file switch
    {
        ModuleFile.Info => ".info",
        ModuleFile.Mod => ".mod",
        ModuleFile.Zip => ".zip",
        _ => throw new ArgumentOutOfRangeException(nameof(file)),
    };
}
