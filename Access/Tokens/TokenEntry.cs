namespace ModMesh.Access;

/// <summary>One line of the tokens file: a token's id, its user, the hash of the token and an optional expiry.</summary>
public sealed class TokenEntry
{
    internal TokenEntry(string id, string user, byte[] hash, DateTimeOffset? expires, int line)
    {
        Id = id;
        User = user;
        Hash = hash;
        Expires = expires;
        Line = line;
    }

    /// <summary>The token id (not a secret).</summary>
    public string Id { get; }

    /// <summary>The user the token authenticates as.</summary>
    public string User { get; }

    /// <summary>When the token stops working (exclusive: at this instant it is already expired); null for never.</summary>
    public DateTimeOffset? Expires { get; }

    /// <summary>The 1-based line of the file the entry came from.</summary>
    public int Line { get; }

    /// <summary>The SHA-256 of the whole token string.</summary>
    internal byte[] Hash { get; }

    /// <summary>True when the token has expired at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => Expires is { } expires && now >= expires;

    /// <inheritdoc/>
    public override string ToString() => $"{Id} {User}" + (Expires is { } e ? $" expires={TokenFile.FormatTime(e)}" : "");
}
