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
    private const int EntryOverheadBytes = 256;

    private readonly ByteBudgetLru<CommittedFile> _known =
        new(KnownFilesBudgetBytes, f => (f.Bytes?.Length ?? 0) + (f.LocalPath?.Length ?? 0) * 2 + EntryOverheadBytes);

    /// <summary>A module layout over <paramref name="blobs"/>.</summary>
    public ModuleStore(IBlobStore blobs) => Blobs = blobs;

    /// <summary>The blob store underneath.</summary>
    public IBlobStore Blobs { get; }

    /// <summary>The blob key of one file of a version.</summary>
    public static string KeyOf(ModuleVersionKey version, ModuleFile file) =>
        $"{ModulesRoot}{version.EscapedPath}/@v/{version.EscapedVersion}{Extension(file)}";

    /// <summary>The blob key of a cached query answer of a module ("list" or "latest").</summary>
    public static string QueryKeyOf(string escapedPath, string query) => $"{QueriesRoot}{escapedPath}/@{query}";

    /// <summary>The blob key of a verified checksum-database answer ("checked/lookup/m@v", "checked/tile/8/0/1").</summary>
    public static string SumdbKeyOf(string databaseName, string path) => $"{SumdbRoot}{databaseName}/{path}";

    /// <summary>The blob key of the latest tree head verified for a checksum database (rewritten as the tree grows).</summary>
    public static string VerifiedTreeHeadKeyOf(string databaseName) => $"{StateRoot}{SumdbRoot}{databaseName}/verified-latest";

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
    /// Forgets what this process remembers of one file of a version (the memory of committed files and the node-local
    /// tier), so the next read asks the shared store: for a file that was deleted here or by another node (purge,
    /// retention). The shared store is not touched.
    /// </summary>
    public void Forget(ModuleVersionKey version, ModuleFile file)
    {
        var key = KeyOf(version, file);
        _known.Remove(key);
        if (Blobs is TieredBlobStore tier)
        {
            tier.Evict(key);
        }
    }

    /// <summary>
    /// Deletes one committed file of a version from the shared store and forgets it here (see <see cref="Forget"/>);
    /// returns whether it was there. Only for purge and retention: committed files are otherwise never removed.
    /// </summary>
    public async Task<bool> DeleteCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken)
    {
        Forget(version, file);
        var deleted = await Blobs.DeleteAsync(KeyOf(version, file), cancellationToken).ConfigureAwait(false);
        // A read that raced the delete may have remembered the file again meanwhile.
        Forget(version, file);
        return deleted;
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
