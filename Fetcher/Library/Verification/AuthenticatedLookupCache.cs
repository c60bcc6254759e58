using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using ModMesh.Protocol.Sumdb;

namespace ModMesh.Fetcher.Verification;

/// <summary>
/// Lookup records already authenticated (signature, consistency, inclusion), per module version, so that the go.mod and
/// the zip of a version, filled separately, cost one lookup. Bounded: the oldest entries leave first.
/// </summary>
internal sealed class AuthenticatedLookupCache(int capacity)
{
    private readonly ConcurrentDictionary<(string Module, string Version), SumdbLookup> _entries = new();
    private readonly ConcurrentQueue<(string Module, string Version)> _order = new();

    public int Count => _entries.Count;

    public bool TryGet(string modulePath, string version, [NotNullWhen(true)] out SumdbLookup? record) =>
        _entries.TryGetValue((modulePath, version), out record);

    public void Add(string modulePath, string version, SumdbLookup record)
    {
        if (capacity <= 0)
        {
            return;
        }

        if (_entries.TryAdd((modulePath, version), record))
        {
            _order.Enqueue((modulePath, version));
        }

        while (_entries.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _entries.TryRemove(oldest, out _);
        }
    }
}
