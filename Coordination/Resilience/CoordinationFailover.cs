namespace ModMesh.Coordination.Resilience;

/// <summary>
/// Decides which failures of the shared coordinator (Redis) mean "it is unreachable right now": then the node
/// carries on with its in-process coordinator (local single-flight), and goes back to the shared one by itself on
/// the next call once it answers again. Holds no state: nothing to reset when Redis returns.
/// </summary>
public sealed class CoordinationFailover(Func<Exception, bool> isUnavailable)
{
    /// <summary>True when <paramref name="exception"/> says the shared coordinator cannot be reached.</summary>
    public bool IsUnavailable(Exception exception) => exception is not OperationCanceledException && isUnavailable(exception);
}
