using ModMesh.CacheNode.Retention;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Forgetting;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Admin;

/// <summary>One file removed (or, in a dry run, that would be).</summary>
/// <param name="File">"info", "mod" or "zip".</param>
/// <param name="Bytes">Its size.</param>
public sealed record RemovedFile(string File, long Bytes);

/// <summary>
/// Removes the files of one module version from the shared store, for a purge and for a retention pass, and makes
/// every process forget it: this node's memory of committed files and local tier at once, the other nodes' and the
/// fetchers' through a forget notice (<see cref="ForgetNotices"/>), and the remembered fill outcomes in the negative
/// cache (so the next request fills the version again from upstream at once).
/// </summary>
/// <remarks>
/// Order: .zip, then .mod, then .info. Each file is filled on its own demand and a reader that finds a file absent
/// fills it again (consistency rule 1), so any subset left by a pass cut short heals; the order decides which subsets
/// can be seen. The go command asks .info, then .mod, then .zip; removing in the reverse order means a client that is
/// part way through that sequence finds what it already asked for gone only by refilling it, and never finds a later
/// file missing while an earlier one it validated against is still there for no reason. .info goes last because it
/// is what names a version as present in the store (list and @latest of private modules and the @latest fallback are
/// built from committed .info files): a version stays listed until its last file is gone, and a pass that stops part
/// way leaves files that the next pass (which lists any file) finds again. The zip first also frees the bulk of the
/// bytes first.
/// </remarks>
internal sealed class VersionRemover(ModuleStore store, ModuleUsage usage, IClusterNotices notices, INegativeCache negative, ILogger<VersionRemover> logger)
{
    private static readonly ModuleFile[] RemovalOrder = [ModuleFile.Zip, ModuleFile.Mod, ModuleFile.Info];

    /// <summary>The files of <paramref name="version"/> the store holds, with their sizes, in removal order.</summary>
    public async Task<IReadOnlyList<(ModuleFile File, long Bytes, DateTimeOffset Committed)>> FilesOfAsync(ModuleVersionKey version, CancellationToken cancellationToken)
    {
        var files = new List<(ModuleFile, long, DateTimeOffset)>(3);
        foreach (var file in RemovalOrder)
        {
            if (await store.Blobs.StatAsync(ModuleStore.KeyOf(version, file), cancellationToken).ConfigureAwait(false) is { } properties)
            {
                files.Add((file, properties.Length, properties.LastModified));
            }
        }

        return files;
    }

    /// <summary>Removes every file of <paramref name="version"/> (see the remarks for the order) and announces it; returns what was removed.</summary>
    public async Task<IReadOnlyList<RemovedFile>> RemoveAsync(ModuleVersionKey version, CancellationToken cancellationToken)
    {
        var removed = new List<RemovedFile>(3);
        foreach (var (file, bytes, _) in await FilesOfAsync(version, cancellationToken).ConfigureAwait(false))
        {
            if (await store.DeleteCommittedAsync(version, file, cancellationToken).ConfigureAwait(false))
            {
                removed.Add(new RemovedFile(ModuleStore.Extension(file)[1..], bytes));
            }
        }

        await store.Blobs.DeleteAsync(ModuleStore.UsedMarkerKeyOf(version), cancellationToken).ConfigureAwait(false);
        usage.ForgetMarked(version);
        if (CaseEncoding.TryUnescapePath(version.EscapedPath, out var path, out _) && CaseEncoding.TryUnescapeVersion(version.EscapedVersion, out var v, out _))
        {
            foreach (var file in RemovalOrder)
            {
                await negative.RemoveAsync(new FillRequest(path, v, version, file).CoordinationKey, cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            await notices.PublishAsync(ForgetNotices.Format(version), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The files are gone from the store; a node that keeps a copy in memory serves the same immutable bytes.
            AdminLog.NoticeFailed(logger, version.ToString(), ex.Message);
        }

        return removed;
    }
}
