using Microsoft.Extensions.Primitives;

namespace ModMesh.Discovery;

/// <summary>
/// The current set and its change token, shared by every source: <see cref="Publish"/> swaps the set in and fires the
/// previous token only when the set really changed.
/// </summary>
internal sealed class DestinationPublisher
{
    private readonly object _gate = new();
    private Generation _current = new(DestinationSet.Empty);

    public DestinationSet Current => _current.Set;

    public IChangeToken GetChangeToken() => new CancellationChangeToken(_current.Changed.Token);

    /// <summary>Returns true when <paramref name="set"/> differs from the current set (and is now current).</summary>
    public bool Publish(DestinationSet set)
    {
        Generation previous;
        lock (_gate)
        {
            if (_current.Set.Equals(set))
            {
                return false;
            }

            previous = _current;
            _current = new Generation(set);
        }

        previous.Changed.Cancel();
        return true;
    }

    private sealed class Generation(DestinationSet set)
    {
        public DestinationSet Set { get; } = set;

        public CancellationTokenSource Changed { get; } = new();
    }
}
