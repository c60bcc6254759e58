namespace ModMesh.Coordination;

/// <summary>
/// Cluster-wide "forget this stored file" notices: a file was taken out of the shared store (a quarantine by
/// <c>modmesh verify</c>), so every node drops what it remembers of it (its known-files memory, its local tier) and the
/// next request reads the shared store again. In-process: the subscribers of this process; Redis: pub/sub on one
/// channel. A notice is a hint, never the only copy of anything: a node that misses one (Redis away) keeps serving its
/// remembered copy until it evicts it. Kept small on purpose so a later <c>purge</c> can reuse or replace it.
/// </summary>
public interface IForgetNotices
{
    /// <summary>Tells every node (this one included) to forget <paramref name="storeKey"/>.</summary>
    Task PublishAsync(string storeKey, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="onForget"/> with the store key of every notice from now on; dispose to stop.</summary>
    IDisposable Subscribe(Action<string> onForget);
}
