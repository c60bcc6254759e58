namespace ModMesh.Access;

/// <summary>An authenticated user: who, and through which token (by id; the id is not a secret).</summary>
/// <param name="User">The user name the rules file speaks of.</param>
/// <param name="TokenId">The id of the token that authenticated the user, when a token did.</param>
public sealed record Principal(string User, string? TokenId = null)
{
    /// <summary><c>alice</c>, or <c>alice (token q3k7vd2mzpxa)</c>.</summary>
    public override string ToString() => TokenId is null ? User : $"{User} (token {TokenId})";
}
