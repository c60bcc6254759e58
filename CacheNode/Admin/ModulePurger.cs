using ModMesh.Coordination;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Admin;

/// <summary>What a purge removed.</summary>
/// <param name="Module">The module path.</param>
/// <param name="Version">The version purged, or null for every version.</param>
/// <param name="Versions">The versions with a file removed.</param>
/// <param name="Queries">The cached answers removed ("list", "latest").</param>
/// <param name="Bytes">The bytes of every file removed.</param>
public sealed record PurgeResult(string Module, string? Version, IReadOnlyList<PurgedVersion> Versions, IReadOnlyList<string> Queries, long Bytes);

/// <summary>One version a purge removed.</summary>
/// <param name="Version">The version.</param>
/// <param name="Files">Its files removed ("zip", "mod", "info"), in removal order.</param>
/// <param name="Bytes">Their bytes.</param>
public sealed record PurgedVersion(string Version, IReadOnlyList<string> Files, long Bytes);

/// <summary>
/// Purges one version, or every version, of a module: its files (published private versions included: a purge is the
/// admin's explicit act), its cached list and @latest answers and their remembered "not found", and what every process
/// remembers of it (see <see cref="VersionRemover"/>). The next request fills it again from upstream.
/// </summary>
internal sealed class ModulePurger(ModuleStore store, VersionRemover remover, INegativeCache negative)
{
    /// <summary>Purges <paramref name="escapedVersion"/> of the module, or every version when it is null. Arguments are validated, escaped forms.</summary>
    public async Task<PurgeResult> PurgeAsync(string modulePath, string escapedPath, string? version, string? escapedVersion, CancellationToken cancellationToken)
    {
        var versions = new List<string>();
        if (escapedVersion is not null)
        {
            versions.Add(escapedVersion);
        }
        else
        {
            await foreach (var v in store.ListCommittedVersionsAsync(escapedPath, null, cancellationToken).ConfigureAwait(false))
            {
                versions.Add(v);
            }
        }

        var purged = new List<PurgedVersion>();
        long bytes = 0;
        foreach (var v in versions)
        {
            var removed = await remover.RemoveAsync(new ModuleVersionKey(escapedPath, v), cancellationToken).ConfigureAwait(false);
            if (removed.Count > 0)
            {
                var sum = removed.Sum(f => f.Bytes);
                bytes += sum;
                purged.Add(new PurgedVersion(Protocol.CaseEncoding.TryUnescapeVersion(v, out var plain, out _) ? plain : v, [.. removed.Select(f => f.File)], sum));
            }
        }

        // list and @latest name the purged versions: they are asked again of the upstream on the next request.
        var queries = new List<string>();
        foreach (var query in new[] { "list", "latest" })
        {
            var key = ModuleStore.QueryKeyOf(escapedPath, query);
            if (await store.Blobs.DeleteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                queries.Add(query);
            }

            await negative.RemoveAsync($"query/{key}", cancellationToken).ConfigureAwait(false);
        }

        return new PurgeResult(modulePath, version, purged, queries, bytes);
    }
}
