namespace ModMesh.Access;

/// <summary>Why a token did not authenticate. Clients see 401 for every one of them; the kinds are for logs.</summary>
public enum TokenFailure
{
    /// <summary>The token authenticated.</summary>
    None,

    /// <summary>The string does not have the shape of a ModMesh token.</summary>
    Malformed,

    /// <summary>No line of the tokens file has the token's id (never issued, or revoked).</summary>
    UnknownId,

    /// <summary>The id is known but the token's hash is not the one on file.</summary>
    WrongSecret,

    /// <summary>The token is known and right, but past its expiry.</summary>
    Expired,
}
