using Microsoft.Extensions.Primitives;

namespace ModMesh.Gateway.Caching;

/// <summary>One immutable answer a node sent: its body and the headers a client needs to use it.</summary>
internal sealed record ImmutableAnswer(byte[] Body, string? ContentType, StringValues ETag, StringValues LastModified, StringValues CacheControl)
{
    /// <summary>What the entry costs in memory: the body plus a fixed allowance for the key, headers and bookkeeping.</summary>
    public long Cost(string key) => Body.Length + (2L * key.Length) + 256;
}

/// <summary>
/// A bounded least-recently-used map from request path to <see cref="ImmutableAnswer"/>, limited by the bytes it holds.
/// Entries never need invalidation: only answers the node marked immutable (committed module files, authenticated
/// checksum database tiles) are put in.
/// </summary>
internal sealed class ImmutableAnswerStore(long maxBytes)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, ImmutableAnswer Answer)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, ImmutableAnswer Answer)> _recency = new();
    private readonly Lock _gate = new();
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(string key, out ImmutableAnswer answer)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                answer = node.Value.Answer;
                return true;
            }
        }

        answer = null!;
        return false;
    }

    /// <summary>Adds (or keeps) an answer, evicting the least recently used ones beyond the budget.</summary>
    public void Add(string key, ImmutableAnswer answer)
    {
        var cost = answer.Cost(key);
        if (cost > maxBytes)
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.ContainsKey(key))
            {
                return; // immutable: the one already held is the same
            }

            _entries[key] = _recency.AddFirst((key, answer));
            _bytes += cost;
            while (_bytes > maxBytes && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
                _bytes -= oldest.Value.Answer.Cost(oldest.Value.Key);
            }
        }
    }

    /// <summary>Drops every answer whose path starts with <paramref name="prefix"/> (a purge); returns how many. Scans every entry: for rare admin calls.</summary>
    public int RemovePrefix(string prefix)
    {
        var removed = 0;
        lock (_gate)
        {
            foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                var node = _entries[key];
                _entries.Remove(key);
                _recency.Remove(node);
                _bytes -= node.Value.Answer.Cost(key);
                removed++;
            }
        }

        return removed;
    }
}
