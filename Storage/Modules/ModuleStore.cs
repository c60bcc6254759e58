using System.Runtime.CompilerServices;

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
/// The layout of modules in a blob store, and the commit protocol that makes a version visible only when whole.
/// <list type="bullet">
/// <item><c>modules/{path}/@v/{version}.zip</c>, <c>.mod</c>, then <c>.info</c> last: the .info is the commit marker.
/// A reader that finds no .info treats the version as absent, whatever else is there (a half-written version),
/// and the next fill overwrites the leftovers.</item>
/// <item><c>queries/{path}/...</c>: cached answers of mutable queries (list, latest, non-canonical .info), each
/// blob's LastModified telling its age.</item>
/// </list>
/// The "/@v/" separator keeps the prefix traps apart: "a/b/@v/" never lists "a/b/v2/@v/" or "a/b-other/@v/".
/// </summary>
public sealed class ModuleStore(IBlobStore blobs)
{
    private const string ModulesRoot = "modules/";
    private const string QueriesRoot = "queries/";

    /// <summary>The blob store underneath.</summary>
    public IBlobStore Blobs { get; } = blobs;

    /// <summary>The blob key of one file of a version.</summary>
    public static string KeyOf(ModuleVersionKey version, ModuleFile file) =>
        $"{ModulesRoot}{version.EscapedPath}/@v/{version.EscapedVersion}{Extension(file)}";

    /// <summary>The blob key of a cached query answer ("list", "latest", or "info/{escaped query}").</summary>
    public static string QueryKeyOf(string escapedPath, string query) => $"{QueriesRoot}{escapedPath}/@{query}";

    /// <summary>True when the version is committed (its marker exists).</summary>
    public async ValueTask<bool> IsCommittedAsync(ModuleVersionKey version, CancellationToken cancellationToken) =>
        await Blobs.StatAsync(KeyOf(version, ModuleFile.Info), cancellationToken).ConfigureAwait(false) is not null;

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
