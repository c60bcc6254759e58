namespace ModMesh.Access;

/// <summary>The outcome of <see cref="TokenStore.Authenticate(string)"/>: a principal, or why there is none.</summary>
public sealed class TokenAuthenticationResult
{
    private TokenAuthenticationResult(Principal? principal, TokenFailure failure, string reason)
    {
        Principal = principal;
        Failure = failure;
        Reason = reason;
    }

    /// <summary>The authenticated user; null when <see cref="Failure"/> is not <see cref="TokenFailure.None"/>.</summary>
    public Principal? Principal { get; }

    /// <summary>Why authentication failed, or <see cref="TokenFailure.None"/>.</summary>
    public TokenFailure Failure { get; }

    /// <summary>A sentence for logs: it may name the token id and user, never the token.</summary>
    public string Reason { get; }

    /// <summary>True when <see cref="Principal"/> is set.</summary>
    public bool Succeeded => Principal is not null;

    internal static TokenAuthenticationResult Success(Principal principal) =>
        new(principal, TokenFailure.None, $"authenticated as {principal}");

    internal static TokenAuthenticationResult Fail(TokenFailure failure, string reason) => new(null, failure, reason);

    /// <inheritdoc/>
    public override string ToString() => Reason;
}
