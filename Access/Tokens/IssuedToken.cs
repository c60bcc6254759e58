namespace ModMesh.Access;

/// <summary>
/// A newly issued token: the plaintext (shown once to whoever asked for it, then forgotten) and the tokens file line
/// that records its hash. <see cref="ToString"/> never shows the token.
/// </summary>
public sealed class IssuedToken
{
    internal IssuedToken(string token, string id, string user, DateTimeOffset? expires, string line)
    {
        Token = token;
        Id = id;
        User = user;
        Expires = expires;
        Line = line;
    }

    /// <summary>The plaintext token, <c>mm_&lt;id&gt;_&lt;secret&gt;</c>. A secret: never log or store it.</summary>
    public string Token { get; }

    /// <summary>The token id (not a secret).</summary>
    public string Id { get; }

    /// <summary>The user the token authenticates as.</summary>
    public string User { get; }

    /// <summary>The expiry, if any.</summary>
    public DateTimeOffset? Expires { get; }

    /// <summary>The line to append to the tokens file (no line terminator).</summary>
    public string Line { get; }

    /// <summary>The file line, which holds only the hash.</summary>
    public override string ToString() => Line;
}
