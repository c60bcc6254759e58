using ModMesh.Coordination;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Filling;

/// <summary>A module version to fill: its real path and canonical version, and their escaped forms.</summary>
public sealed record FillRequest(string ModulePath, string Version, ModuleVersionKey Key);

/// <summary>Makes a module version present in the store, fetching it at most once cluster-wide.</summary>
public interface IModuleFiller
{
    /// <summary>
    /// Returns once the version is committed (<see cref="FillStatus.Filled"/>), known not to exist upstream
    /// (<see cref="FillStatus.NotFound"/>), failed, or the wait ran out (<see cref="FillStatus.TimedOut"/>; the fill
    /// goes on in the background). <paramref name="cancellationToken"/> cancels only this caller's wait, never the fill.
    /// </summary>
    Task<FillOutcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken);
}
