using System.Text;

namespace ModMesh.Fetcher.Direct;

/// <summary>
/// What one go run gets beyond the fixed environment: for a mapped module path the discovery responder as its proxy
/// and the git rewrite to the real repository; the credentials of the hosts that run talks to (and no others),
/// written as 0600 files into the run's private home folder (a git config that includes the operator's, a .netrc,
/// an ssh config with key copies), never into a command line.
/// </summary>
internal sealed class DirectRunSetup
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly DirectOptions _options;
    private readonly string? _operatorGitConfig;
    private readonly string? _knownHosts;

    public DirectRunSetup(DirectOptions options)
    {
        _options = options;
        _operatorGitConfig = string.IsNullOrWhiteSpace(options.GitConfig) ? null : Path.GetFullPath(options.GitConfig);
        _knownHosts = string.IsNullOrWhiteSpace(options.KnownHosts) ? null : Path.GetFullPath(options.KnownHosts);
    }

    /// <summary>The git config file generated in a run's home folder.</summary>
    internal const string GitConfigName = ".modmesh-gitconfig";

    /// <summary>The .netrc for the go command's own https requests (named by NETRC), generated in a run's home folder.</summary>
    internal const string NetrcName = ".modmesh-netrc";

    /// <summary>The ssh config file generated in a run's home folder.</summary>
    internal const string SshConfigName = ".modmesh-ssh/config";

    /// <summary>
    /// Writes the run's files into <paramref name="folder"/>'s home and adds their variables to
    /// <paramref name="environment"/> (which already holds the fixed ones).
    /// </summary>
    /// <param name="folder">The module's work folder.</param>
    /// <param name="modulePath">The module path of the run.</param>
    /// <param name="mapping">The mapping covering <paramref name="modulePath"/>, or null.</param>
    /// <param name="proxyUrl">The discovery responder's URL when <paramref name="mapping"/> is set.</param>
    /// <param name="environment">The go process's variables.</param>
    public void Apply(DirectWorkspaces.Workspace folder, string modulePath, DirectMapping? mapping, string? proxyUrl, IDictionary<string, string> environment)
    {
        var credentials = CredentialsFor(modulePath, mapping);
        var git = new StringBuilder();
        if (_operatorGitConfig is not null)
        {
            git.Append("[include]\n\tpath = ").Append(Quote(_operatorGitConfig)).Append('\n');
        }

        if (mapping is not null && proxyUrl is not null)
        {
            var prefix = mapping.NormalizedPrefix;
            // go-import names https://prefix (go refuses file: there); git goes to the real repository instead.
            git.Append("[url ").Append(Quote(mapping.Repository.Trim())).Append("]\n\tinsteadOf = ").Append(Quote("https://" + prefix)).Append('\n');
            // GOINSECURE lets go fall back to http:// discovery (through the responder) when its https:// attempt is refused.
            var insecure = environment.TryGetValue("GOINSECURE", out var configured) ? configured : "";
            environment["GOINSECURE"] = string.IsNullOrEmpty(insecure) ? prefix : insecure + "," + prefix;
            // go reads the upper-case names first, git (curl) the lower-case ones, and ignores upper-case HTTP_PROXY:
            // the go command's discovery goes to the responder, git keeps the operator's proxies (or none).
            environment["HTTP_PROXY"] = proxyUrl;
            environment["HTTPS_PROXY"] = proxyUrl;
            environment["https_proxy"] = Inherited("https_proxy") ?? Inherited("HTTPS_PROXY") ?? "";
            environment["NO_PROXY"] = "localhost";
            if ((Inherited("no_proxy") ?? Inherited("NO_PROXY")) is { } noProxy)
            {
                environment["no_proxy"] = noProxy;
            }
        }

        var netrc = new StringBuilder();
        var ssh = new StringBuilder();
        var keyNumber = 0;
        foreach (var credential in credentials)
        {
            var host = credential.Host.Trim().ToLowerInvariant();
            var secret = ReadSecret(credential);
            switch (credential.NormalizedKind)
            {
                case DirectCredential.SshKeyKind:
                    var key = Path.Combine(folder.Home, ".modmesh-ssh", $"key{keyNumber++}");
                    WritePrivate(key, secret.EndsWith('\n') ? secret : secret + "\n");
                    ssh.Append("Host ").Append(host.Split(':')[0]).Append('\n')
                        .Append("\tIdentityFile \"").Append(key).Append("\"\n")
                        .Append("\tIdentitiesOnly yes\n");
                    if (!string.IsNullOrWhiteSpace(credential.UserName))
                    {
                        ssh.Append("\tUser ").Append(credential.UserName.Trim()).Append('\n');
                    }

                    break;
                default:
                    var token = secret.Trim();
                    if (token.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                    {
                        throw new IOException($"the secret file of the credential for {host} holds blanks or more than one line");
                    }

                    var user = string.IsNullOrWhiteSpace(credential.UserName) ? "oauth2" : credential.UserName.Trim();
                    var header = credential.NormalizedKind == DirectCredential.BasicKind
                        ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}"))
                        : "Bearer " + token;
                    // An http.<url> section applies to URLs of that scheme, host and port only.
                    git.Append("[http ").Append(Quote($"https://{host}/")).Append("]\n\textraHeader = ").Append(Quote("Authorization: " + header)).Append('\n');
                    netrc.Append("machine ").Append(host.Split(':')[0]).Append(" login ").Append(user).Append(" password ").Append(token).Append('\n');
                    break;
            }
        }

        if (git.Length > 0 && (mapping is not null || credentials.Count > 0))
        {
            var file = Path.Combine(folder.Home, GitConfigName);
            WritePrivate(file, git.ToString());
            environment["GIT_CONFIG_GLOBAL"] = file;
        }
        else if (_operatorGitConfig is not null)
        {
            environment["GIT_CONFIG_GLOBAL"] = _operatorGitConfig;
        }

        if (netrc.Length > 0)
        {
            // Not ~/.netrc: git (curl) would read that one too, and send it to the host over plain http:// as well.
            var file = Path.Combine(folder.Home, NetrcName);
            WritePrivate(file, netrc.ToString());
            environment["NETRC"] = file;
        }

        if (ssh.Length > 0 || _knownHosts is not null)
        {
            var knownHosts = _knownHosts ?? Path.Combine(folder.Home, ".modmesh-ssh", "known_hosts");
            ssh.Append("Host *\n")
                .Append("\tIdentitiesOnly yes\n")
                .Append("\tBatchMode yes\n")
                .Append("\tUserKnownHostsFile \"").Append(knownHosts).Append("\"\n")
                .Append("\tStrictHostKeyChecking ").Append(_knownHosts is null ? "accept-new" : "yes").Append('\n');
            var file = Path.Combine(folder.Home, SshConfigName);
            WritePrivate(file, ssh.ToString());
            environment["GIT_SSH_COMMAND"] = $"ssh -F '{file}'";
        }
    }

    /// <summary>The credentials of the hosts a run for <paramref name="modulePath"/> talks to: the module path's host and the mapped repository's.</summary>
    internal List<DirectCredential> CredentialsFor(string modulePath, DirectMapping? mapping)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { modulePath.Split('/')[0] };
        if (mapping is not null && Uri.TryCreate(mapping.Repository.Trim(), UriKind.Absolute, out var repository) && !repository.IsFile)
        {
            hosts.Add(repository.Host);
            hosts.Add(repository.Authority);
        }

        return _options.Credentials.Where(c => c.Problem() is null && hosts.Contains(c.Host.Trim())).ToList();
    }

    private static string ReadSecret(DirectCredential credential) => File.ReadAllText(credential.SecretFile);

    private static string? Inherited(string name) => Environment.GetEnvironmentVariable(name);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> readable by this user only, replacing it whole (concurrent runs of one module share the folder).</summary>
    private static void WritePrivate(string path, string text)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Private;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
        }

        File.Move(temporary, path, overwrite: true);
    }
}
