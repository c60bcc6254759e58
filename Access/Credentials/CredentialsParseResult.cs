namespace ModMesh.Access;

/// <summary>The outcome of <see cref="AuthorizationHeader.Parse"/>: credentials, or why there are none.</summary>
public sealed class CredentialsParseResult
{
    private CredentialsParseResult(Credentials? credentials, CredentialsError error, string reason)
    {
        Credentials = credentials;
        Error = error;
        Reason = reason;
    }

    /// <summary>The parsed credentials; null when <see cref="Error"/> is not <see cref="CredentialsError.None"/>.</summary>
    public Credentials? Credentials { get; }

    /// <summary>Why parsing failed, or <see cref="CredentialsError.None"/>.</summary>
    public CredentialsError Error { get; }

    /// <summary>A sentence for logs; it never contains any part of the header value.</summary>
    public string Reason { get; }

    /// <summary>True when <see cref="Credentials"/> is set.</summary>
    public bool Succeeded => Credentials is not null;

    internal static CredentialsParseResult Success(Credentials credentials) =>
        new(credentials, CredentialsError.None, $"{credentials.Scheme} credentials");

    internal static CredentialsParseResult Failure(CredentialsError error, string reason) => new(null, error, reason);

    /// <inheritdoc/>
    public override string ToString() => Reason;
}
