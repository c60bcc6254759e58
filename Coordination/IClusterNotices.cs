namespace ModMesh.Coordination;

/// <summary>
/// Short notices broadcast to every process that shares the coordinator (in-process: this process; Redis: one pub/sub
/// channel every node subscribes to), such as "this module version was purged: forget what you remember of it".
/// Delivery is best effort: a process that is not connected when a notice is published does not hear it later, so a
/// notice may only ask for what a process can also learn by itself (it is a way to learn it at once).
/// </summary>
public interface IClusterNotices
{
    /// <summary>Sends <paramref name="notice"/> (a short text, at most <see cref="ClusterNotices.MaxLength"/> characters) to every subscriber, this process's included.</summary>
    Task PublishAsync(string notice, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="handler"/> with every notice published from now on, until the returned handle is disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(Action<string> handler, CancellationToken cancellationToken);
}

/// <summary>Limits shared by the <see cref="IClusterNotices"/> implementations.</summary>
public static class ClusterNotices
{
    /// <summary>The longest notice passed on; longer ones are refused when published and dropped when received.</summary>
    public const int MaxLength = 4096;
}
