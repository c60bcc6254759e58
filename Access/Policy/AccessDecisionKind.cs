namespace ModMesh.Access;

/// <summary>The three outcomes of an access decision.</summary>
public enum AccessDecisionKind
{
    /// <summary>Go ahead.</summary>
    Allowed,

    /// <summary>Credentials are needed and there are none (HTTP 401, with a <c>WWW-Authenticate</c> challenge).</summary>
    Unauthenticated,

    /// <summary>The user is known but may not do this (HTTP 403).</summary>
    Forbidden,
}
