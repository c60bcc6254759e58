namespace ModMesh.Access;

/// <summary>The tokens of one version of the tokens file, by id. Immutable.</summary>
public sealed class TokenSet
{
    private readonly Dictionary<string, TokenEntry> byId;

    internal TokenSet(IEnumerable<TokenEntry> entries)
    {
        byId = entries.ToDictionary(e => e.Id, StringComparer.Ordinal);
    }

    /// <summary>No tokens.</summary>
    public static TokenSet Empty { get; } = new([]);

    /// <summary>The number of tokens.</summary>
    public int Count => byId.Count;

    /// <summary>Every entry, in no particular order.</summary>
    public IEnumerable<TokenEntry> Entries => byId.Values;

    /// <summary>The entry with id <paramref name="id"/>, if any.</summary>
    public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TokenEntry? entry) =>
        byId.TryGetValue(id, out entry);
}
