namespace ModMesh.Fetcher.Direct;

/// <summary>
/// A module path prefix and the repository it lives in (the prefix is the repository's root): bound from an entry of
/// "ModMesh:Direct:Mappings".
/// </summary>
public sealed class DirectMapping
{
    /// <summary>The module path prefix, e.g. "git.corp.example/team/repo" (no scheme, no trailing slash).</summary>
    public string Prefix { get; set; } = "";

    /// <summary>
    /// The git repository: "ssh://git@host/team/repo.git", "https://host/team/repo.git", "http://…", "git://…" or
    /// "file:///srv/git/repo.git".
    /// </summary>
    public string Repository { get; set; } = "";

    /// <summary>The URL schemes a repository may have.</summary>
    internal static readonly IReadOnlySet<string> Schemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ssh", "https", "http", "git", "file" };

    /// <summary>The prefix without surrounding blanks and slashes.</summary>
    internal string NormalizedPrefix => Prefix.Trim().Trim('/');

    /// <summary>The host (and port) of <see cref="Repository"/>; empty for file URLs and unparsable ones.</summary>
    internal string RepositoryHost => Uri.TryCreate(Repository.Trim(), UriKind.Absolute, out var uri) && !uri.IsFile ? uri.Authority : "";

    /// <summary>Why this mapping cannot be used, or null when it can.</summary>
    internal string? Problem()
    {
        var prefix = NormalizedPrefix;
        var host = prefix.Split('/')[0];
        if (prefix.Length == 0 || prefix.Contains("://", StringComparison.Ordinal) || !host.Contains('.', StringComparison.Ordinal) ||
            prefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '<' or '>' or '\\' or '?' or '#' or '@' or '*'))
        {
            return $"the prefix \"{Prefix}\" is not a module path (host with a dot, then path elements; no scheme)";
        }

        if (!Uri.TryCreate(Repository.Trim(), UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme) ||
            Repository.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\\'))
        {
            return $"the repository of \"{Prefix}\" must be an ssh://, https://, http://, git:// or file:// URL";
        }

        return null;
    }
}

/// <summary>
/// A credential for one git host: bound from an entry of "ModMesh:Direct:Credentials". The secret is read from a
/// file (a mounted secret), on every run, and only ever written into that run's private home folder.
/// </summary>
public sealed class DirectCredential
{
    /// <summary>A bearer token: git sends "Authorization: Bearer" to https://Host/ only; .netrc gives it to go's own https requests to Host.</summary>
    public const string TokenKind = "token";

    /// <summary>A user name and password (or token as password): git sends "Authorization: Basic" to https://Host/ only; .netrc likewise.</summary>
    public const string BasicKind = "basic";

    /// <summary>An SSH private key: used by ssh for Host only (IdentitiesOnly).</summary>
    public const string SshKeyKind = "ssh-key";

    /// <summary>The host (host or host:port for https) the credential belongs to, e.g. "git.corp.example".</summary>
    public string Host { get; set; } = "";

    /// <summary>"token", "basic" or "ssh-key".</summary>
    public string Kind { get; set; } = TokenKind;

    /// <summary>The user name: required for "basic"; the .netrc login for "token" (default "oauth2"); the ssh user for "ssh-key" (optional).</summary>
    public string UserName { get; set; } = "";

    /// <summary>The file holding the token, the password or the private key, e.g. "/run/secrets/git-token".</summary>
    public string SecretFile { get; set; } = "";

    /// <summary><see cref="Kind"/> in lower case, trimmed.</summary>
    internal string NormalizedKind => Kind.Trim().ToLowerInvariant();

    /// <summary>Why this credential cannot be used, or null when it can.</summary>
    internal string? Problem()
    {
        var host = Host.Trim();
        if (host.Length == 0 || Uri.CheckHostName(host.Split(':')[0]) == UriHostNameType.Unknown || host.Contains('/', StringComparison.Ordinal))
        {
            return $"\"{Host}\" is not a host name";
        }

        if (NormalizedKind is not (TokenKind or BasicKind or SshKeyKind))
        {
            return $"the kind of the credential for {host} must be \"token\", \"basic\" or \"ssh-key\", not \"{Kind}\"";
        }

        if (NormalizedKind == BasicKind && string.IsNullOrWhiteSpace(UserName))
        {
            return $"the \"basic\" credential for {host} needs a UserName";
        }

        if (UserName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ':' or '"' or '\\'))
        {
            return $"the user name of the credential for {host} has a blank, a colon, a quote or a backslash";
        }

        if (string.IsNullOrWhiteSpace(SecretFile) || !File.Exists(SecretFile))
        {
            return $"the secret file of the credential for {host} does not exist";
        }

        return null;
    }
}
