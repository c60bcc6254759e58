using System.Runtime.CompilerServices;
using ModMesh.Storage.Tiering;

namespace ModMesh.Storage.Modules;

/// <summary>One of the three files of a module version.</summary>
public enum ModuleFile
{
    /// <summary>The .info JSON: also the commit marker, written last.</summary>
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
/// The layout of modules in a blob store, and the commit protocol that makes a version visible only when whole.
/// <list type="bullet">
/// <item><c>modules/{path}/@v/{version}.zip</c>, <c>.mod</c>, then <c>.info</c> last: the .info is the commit marker.
/// A reader that finds no .info treats the version as absent, whatever else is there (a half-written version),
/// and the next fill overwrites the leftovers.</item>
/// <item><c>queries/{path}/...</c>: cached answers of mutable queries (list, latest, non-canonical .info), each
/// blob's LastModified telling its age.</item>
/// </list>
/// The "/@v/" separator keeps the prefix traps apart: "a/b/@v/" never lists "a/b/v2/@v/" or "a/b-other/@v/".
/// <para>
/// Committed files never change (and a committed version is never removed), so what a read learnt about one is
/// kept in memory, within a byte budget, least recently used first out: the bytes of small files (.info, .mod, up
/// to <see cref="SmallFileBytes"/>), and the properties and local path of large ones. A warm hit then costs no
/// store round trip (no marker stat, no open). Only positive knowledge is kept: "not committed" is always asked
/// again, so a version committed by another process shows up at once.
/// </para>
/// </summary>
public sealed class ModuleStore
{
    /// <summary>Files up to this size are kept in memory once read (go.mod files and .info are far smaller).</summary>
    public const int SmallFileBytes = 64 * 1024;

    /// <summary>Memory budget of what is kept about committed files (bytes of small files plus a fixed overhead each).</summary>
    public const long KnownFilesBudgetBytes = 16L << 20;

    private const string ModulesRoot = "modules/";
    private const string QueriesRoot = "queries/";
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

    /// <summary>The blob key of a cached query answer ("list", "latest", or "info/{escaped query}").</summary>
    public static string QueryKeyOf(string escapedPath, string query) => $"{QueriesRoot}{escapedPath}/@{query}";

    /// <summary>True when the version is committed (its marker exists).</summary>
    public async ValueTask<bool> IsCommittedAsync(ModuleVersionKey version, CancellationToken cancellationToken)
    {
        var marker = KeyOf(version, ModuleFile.Info);
        return _known.TryGet(marker, out _) ||
            await Blobs.StatAsync(marker, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>
    /// A file of a committed version for serving (see <see cref="CommittedFile"/>), or null when the version is not
    /// committed. Warm hits are answered from memory: the bytes of small files, the path and properties of large
    /// local files. A large file of a remote store comes back as an open reader.
    /// </summary>
    public async ValueTask<CommittedFile?> GetCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken)
    {
        var key = KeyOf(version, file);
        if (_known.TryGet(key, out var known))
        {
            return known;
        }

        if (file != ModuleFile.Info && !await IsCommittedAsync(version, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var reader = await Blobs.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Opens a file of a committed version, or returns null when the version is not committed (a zip without its
    /// marker is not there as far as readers are concerned).
    /// </summary>
    public async ValueTask<BlobReader?> OpenCommittedAsync(ModuleVersionKey version, ModuleFile file, CancellationToken cancellationToken)
    {
        if (file != ModuleFile.Info && !await IsCommittedAsync(version, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await Blobs.OpenReadAsync(KeyOf(version, file), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one file of a version that is not committed yet. Never call it for the marker: use <see cref="CommitAsync"/>.</summary>
    public Task<BlobProperties> WritePartAsync(ModuleVersionKey version, ModuleFile file, Stream content, CancellationToken cancellationToken)
    {
        if (file == ModuleFile.Info)
        {
            throw new ArgumentException("The .info is the commit marker; write it with CommitAsync.", nameof(file));
        }

        return Blobs.PutAsync(KeyOf(version, file), content, cancellationToken);
    }

    /// <summary>
    /// Makes the version visible by writing its marker. The caller has written the zip and go.mod first (and holds
    /// the version's fill lock, so no one else is writing it).
    /// </summary>
    public async Task CommitAsync(ModuleVersionKey version, ReadOnlyMemory<byte> info, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(info.ToArray(), writable: false);
        await Blobs.PutAsync(KeyOf(version, ModuleFile.Info), content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every committed version of a module (escaped form), in key order.</summary>
    public async IAsyncEnumerable<string> ListCommittedVersionsAsync(string escapedPath, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = $"{ModulesRoot}{escapedPath}/@v/";
        var infoExtension = Extension(ModuleFile.Info);
        await foreach (var key in Blobs.ListKeysAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = key.AsSpan(prefix.Length);
            if (name.IndexOf('/') < 0 && name.EndsWith(infoExtension, StringComparison.Ordinal))
            {
                yield return name[..^infoExtension.Length].ToString();
            }
        }
    }

    private static string Extension(ModuleFile file) => file switch
    {
        ModuleFile.Info => ".info",
        ModuleFile.Mod => ".mod",
        ModuleFile.Zip => ".zip",
        _ => throw new ArgumentOutOfRangeException(nameof(file)),
    };
}
