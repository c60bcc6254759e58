namespace ModMesh.Access;

/// <summary>The HTTP authentication scheme a client's credentials came in.</summary>
public enum CredentialsScheme
{
    /// <summary><c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    Bearer,

    /// <summary><c>Authorization: Basic base64(user:token)</c>, as the go command sends from <c>.netrc</c>.</summary>
    Basic,
}
