namespace ModMesh.Gateway.Access;

/// <summary>
/// Configuration section "Gateway:Access": who may read which module through this gateway. With no private patterns
/// and no tokens file, every module is public and read anonymously (the default for a proxy of public code). Private
/// patterns need a tokens file: a gateway that would serve private modules to anyone refuses to start.
/// </summary>
public sealed class GatewayAccessOptions
{
    public const string SectionName = "Gateway:Access";

    /// <summary>
    /// Module path patterns that are private (GOPRIVATE syntax: comma-separated globs matched against leading path
    /// elements). Matched without regard to letter case unless <see cref="CaseSensitivePrivatePatterns"/>.
    /// </summary>
    public string Private { get; set; } = "";

    /// <summary>Match <see cref="Private"/> with letter case as written (go's own rule). Default false: case-insensitive.</summary>
    public bool CaseSensitivePrivatePatterns { get; set; }

    /// <summary>The tokens file (see docs/ACCESS.md), reloaded when it changes. Required when <see cref="Private"/> is set.</summary>
    public string? TokensFile { get; set; }

    /// <summary>The rules file (see docs/ACCESS.md), reloaded when it changes. Without it, no one may read a private module.</summary>
    public string? RulesFile { get; set; }

    /// <summary>Whether public modules may be read without credentials. Default true.</summary>
    public bool AnonymousPublicRead { get; set; } = true;

    /// <summary>
    /// The largest upload (<c>PUT /{module}/@v/{version}.zip</c>) this gateway passes on, in bytes. Default 520 MiB (a
    /// 500 MiB zip, go's limit, plus a go.mod and form overhead); the nodes apply the zip rules' own limits.
    /// </summary>
    public long MaxUploadBytes { get; set; } = 520L << 20;

    /// <summary>
    /// Who may call the admin endpoints through this gateway (<c>/admin/...</c>: purge, retention report): a
    /// comma-separated list of user names and <c>@groups</c> of the rules file. Default empty: no one. Without a tokens
    /// file (access control off) the gateway takes admin calls from loopback clients only, whatever this says.
    /// </summary>
    public string Admins { get; set; } = "";

    /// <summary>The realm named in <c>WWW-Authenticate</c>. Default "ModMesh".</summary>
    public string Realm { get; set; } = "ModMesh";
}
