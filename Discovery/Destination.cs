namespace ModMesh.Discovery;

/// <summary>One cache node as discovery sees it: a stable id and its base URL ("http://10.0.0.7:8080").</summary>
/// <param name="Id">Stable while the instance lives (a Consul service ID, "ip:port" for DNS, "node0" for static).</param>
/// <param name="Address">An absolute base URL, or a service-discovery name such as "http://cachenode".</param>
public sealed record Destination(string Id, string Address);

/// <summary>An immutable set of destinations, ordered by id; two sets are equal when they hold the same pairs.</summary>
public sealed class DestinationSet : IEquatable<DestinationSet>
{
    public static DestinationSet Empty { get; } = new([]);

    public DestinationSet(IEnumerable<Destination> destinations)
    {
        Items = destinations
            .DistinctBy(d => d.Id, StringComparer.OrdinalIgnoreCase)
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ToArray();
    }

    public IReadOnlyList<Destination> Items { get; }

    public int Count => Items.Count;

    public bool Equals(DestinationSet? other) => other is not null && Items.SequenceEqual(other.Items);

    public override bool Equals(object? obj) => Equals(obj as DestinationSet);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => Count == 0 ? "(none)" : string.Join(", ", Items.Select(d => d.Address));
}
