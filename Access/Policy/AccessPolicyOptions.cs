namespace ModMesh.Access;

/// <summary>Settings of the access decision.</summary>
public sealed class AccessPolicyOptions
{
    /// <summary>
    /// Whether public modules (those not matching the private patterns) may be read without credentials
    /// (default true, as a public proxy would). When false, any valid token reads them; rules are not consulted.
    /// </summary>
    public bool AllowAnonymousPublicRead { get; set; } = true;

    /// <summary>
    /// Whether rule patterns match module paths regardless of letter case (default true: GitHub-style hosts treat
    /// <c>Example.com/Priv/x</c> and <c>example.com/priv/x</c> as one repository, so a rule must not be dodged by
    /// changing case). ASCII case only: module paths are ASCII.
    /// </summary>
    public bool IgnoreModulePathCase { get; set; } = true;
}
