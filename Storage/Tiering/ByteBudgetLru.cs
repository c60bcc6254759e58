namespace ModMesh.Storage.Tiering;

/// <summary>
/// A thread-safe least-recently-used index bounded by a byte budget. Evicted values are handed to a callback
/// (outside the lock) so the owner can release them (delete a file).
/// </summary>
public sealed class ByteBudgetLru<TValue>(long budget, Func<TValue, long> sizeOf, Action<TValue>? onEvicted = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, TValue Value)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, TValue Value)> _order = new();
    private long _bytes;

    public long Bytes { get { lock (_gate) { return _bytes; } } }

    public int Count { get { lock (_gate) { return _map.Count; } } }

    public bool TryGet(string key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>Adds or replaces; returns false (and evicts nothing) when the value alone is over the budget.</summary>
    public bool Set(string key, TValue value)
    {
        var size = sizeOf(value);
        if (size > budget)
        {
            return false;
        }

        List<TValue>? evicted = null;
        lock (_gate)
        {
            if (_map.Remove(key, out var old))
            {
                _order.Remove(old);
                _bytes -= sizeOf(old.Value.Value);
                (evicted ??= []).Add(old.Value.Value);
            }

            _map[key] = _order.AddFirst((key, value));
            _bytes += size;
            while (_bytes > budget && _order.Last is { } last)
            {
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
                _bytes -= sizeOf(last.Value.Value);
                (evicted ??= []).Add(last.Value.Value);
            }
        }

        Release(evicted);
        return true;
    }

    public void Remove(string key)
    {
        TValue? removed = default;
        var found = false;
        lock (_gate)
        {
            if (_map.Remove(key, out var node))
            {
                _order.Remove(node);
                _bytes -= sizeOf(node.Value.Value);
                removed = node.Value.Value;
                found = true;
            }
        }

        if (found)
        {
            Release([removed!]);
        }
    }

    private void Release(List<TValue>? values)
    {
        if (values is null || onEvicted is null)
        {
            return;
        }

        foreach (var value in values)
        {
            onEvicted(value);
        }
    }
}
