namespace ModMesh.Access;

/// <summary>
/// Credentials taken from an <c>Authorization</c> header: the token a client presented, and the scheme it came in.
/// <see cref="ToString"/> never shows the token.
/// </summary>
public sealed class Credentials
{
    /// <summary>Creates credentials; <paramref name="token"/> must not be empty.</summary>
    public Credentials(CredentialsScheme scheme, string token, string? userName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        Scheme = scheme;
        Token = token;
        UserName = userName;
    }

    /// <summary>The scheme the credentials came in.</summary>
    public CredentialsScheme Scheme { get; }

    /// <summary>The presented token: the Bearer value or the Basic password. A secret: never log it.</summary>
    public string Token { get; }

    /// <summary>
    /// The Basic user name, as sent (free text, not used to authenticate: the token alone names the user);
    /// null for Bearer.
    /// </summary>
    public string? UserName { get; }

    /// <summary>The scheme only; the token is never part of it.</summary>
    public override string ToString() => $"{Scheme} credentials (token redacted)";
}
