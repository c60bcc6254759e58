using ModMesh.Fetcher.Direct;
using ModMesh.TestSupport;
using static ModMesh.Fetcher.Tests.Direct.DirectTestSupport;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>
/// <c>ModMesh:Direct:Credentials</c>: each secret is written only into the private home of runs that talk to its
/// host, scoped to that host, in files only this user can read, never into the environment or a command line. A
/// script standing in for go copies what it was given.
/// </summary>
public sealed class DirectCredentialsTests : IDisposable
{
    private readonly string _root = TempDirectory.CreateUnique("direct-credentials");
    private readonly string _tokenA = "tokA-" + Guid.NewGuid().ToString("N");
    private readonly string _passwordB = "pwB-" + Guid.NewGuid().ToString("N");
    private readonly string _keyC = "-----BEGIN OPENSSH PRIVATE KEY-----\nkeyC-" + Guid.NewGuid().ToString("N") + "\n-----END OPENSSH PRIVATE KEY-----\n";

    public void Dispose() => TempDirectory.Delete(_root);

    private string Captured => Path.Combine(_root, "captured");

    private DirectSource Source(string knownHosts = "")
    {
        var secrets = Directory.CreateDirectory(Path.Combine(_root, "secrets")).FullName;
        File.WriteAllText(Path.Combine(secrets, "a"), _tokenA + "\n");
        File.WriteAllText(Path.Combine(secrets, "b"), _passwordB);
        File.WriteAllText(Path.Combine(secrets, "c"), _keyC);
        var operatorConfig = Path.Combine(_root, "operator-gitconfig");
        File.WriteAllText(operatorConfig, "[core]\n\tautocrlf = false\n");
        // Copies the home folder and the environment, then answers like go list -m -versions.
        var go = WriteScript(_root, "go", $$"""
            mkdir -p '{{Captured}}'
            cp -a "$HOME/." '{{Captured}}/home'
            env > '{{Captured}}/env'
            printf '%s\n' "$@" > '{{Captured}}/args'
            echo '{"Path":"m","Versions":["v1.0.0"]}'
            """);
        return Create(new DirectOptions
        {
            GoBinary = go,
            WorkPath = Path.Combine(_root, "work"),
            GitConfig = operatorConfig,
            KeepWarm = TimeSpan.Zero,
            KnownHosts = knownHosts,
            Patterns = "*",
            Mappings =
            [
                new DirectMapping { Prefix = "git.a.example/team/repo", Repository = "https://git.a.example/team/repo.git" },
                new DirectMapping { Prefix = "mod.b.example/lib", Repository = "https://git.b.example:8443/scm/lib.git" },
                new DirectMapping { Prefix = "git.c.example/infra", Repository = "ssh://git@git.c.example/infra.git" },
            ],
            Credentials =
            [
                new DirectCredential { Host = "git.a.example", Kind = "token", SecretFile = Path.Combine(secrets, "a") },
                new DirectCredential { Host = "git.b.example:8443", Kind = "basic", UserName = "bot", SecretFile = Path.Combine(secrets, "b") },
                new DirectCredential { Host = "git.c.example", Kind = "ssh-key", UserName = "git", SecretFile = Path.Combine(secrets, "c") },
            ],
        });
    }

    private async Task<(string Home, Dictionary<string, string> Env)> RunAsync(string module)
    {
        TempDirectory.Delete(Captured);
        using var source = Source();
        using var list = await source.GetAsync(module, "@v/list", CancellationToken.None);
        Assert.Equal("v1.0.0\n", await ReadTextAsync(list));
        var env = (await File.ReadAllLinesAsync(Path.Combine(Captured, "env")))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Assert.Empty(Leftovers(source.WorkRoot)); // the home with the secrets is gone
        return (Path.Combine(Captured, "home"), env);
    }

    private static string AllText(string folder) =>
        string.Concat(Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => $"== {f}\n{File.ReadAllText(f)}\n"));

    [Fact]
    public async Task Run_HostA_GetsOnlyTokenAScopedToHttpsHostA()
    {
        var (home, env) = await RunAsync("git.a.example/team/repo");

        var files = AllText(home);
        Assert.Contains(_tokenA, files, StringComparison.Ordinal);
        Assert.DoesNotContain(_passwordB, files, StringComparison.Ordinal);
        Assert.DoesNotContain("keyC-", files, StringComparison.Ordinal);
        var gitConfig = await File.ReadAllTextAsync(Path.Combine(home, DirectRunSetup.GitConfigName));
        Assert.Contains($"[http \"https://git.a.example/\"]\n\textraHeader = \"Authorization: Bearer {_tokenA}\"", gitConfig, StringComparison.Ordinal);
        Assert.Contains("[url \"https://git.a.example/team/repo.git\"]\n\tinsteadOf = \"https://git.a.example/team/repo\"", gitConfig, StringComparison.Ordinal);
        Assert.Contains("[include]\n\tpath = \"" + Path.Combine(_root, "operator-gitconfig") + "\"", gitConfig, StringComparison.Ordinal);
        Assert.Equal($"machine git.a.example login oauth2 password {_tokenA}\n", await File.ReadAllTextAsync(Path.Combine(home, DirectRunSetup.NetrcName)));
        Assert.Equal(Path.Combine(env["HOME"], DirectRunSetup.GitConfigName), env["GIT_CONFIG_GLOBAL"]);
        Assert.Equal(Path.Combine(env["HOME"], DirectRunSetup.NetrcName), env["NETRC"]);
        Assert.False(File.Exists(Path.Combine(home, ".netrc"))); // git (curl) reads ~/.netrc, also for http://
        Assert.False(env.ContainsKey("GIT_SSH_COMMAND"));
        AssertNoSecretIn(env);
        AssertPrivate(Path.Combine(home, DirectRunSetup.GitConfigName));
        AssertPrivate(Path.Combine(home, DirectRunSetup.NetrcName));
    }

    [Fact]
    public async Task Run_ModuleOnHostBMappedToOtherHost_GetsOnlyTheRepositoryHostsBasicCredential()
    {
        var (home, env) = await RunAsync("mod.b.example/lib/v2");

        var files = AllText(home);
        Assert.DoesNotContain(_tokenA, files, StringComparison.Ordinal);
        Assert.DoesNotContain("keyC-", files, StringComparison.Ordinal);
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"bot:{_passwordB}"));
        var gitConfig = await File.ReadAllTextAsync(Path.Combine(home, DirectRunSetup.GitConfigName));
        Assert.Contains($"[http \"https://git.b.example:8443/\"]\n\textraHeader = \"Authorization: Basic {basic}\"", gitConfig, StringComparison.Ordinal);
        Assert.Equal($"machine git.b.example login bot password {_passwordB}\n", await File.ReadAllTextAsync(Path.Combine(home, DirectRunSetup.NetrcName)));
        // go's discovery goes to the responder (upper-case names, which git ignores or is told to ignore).
        Assert.StartsWith("http://127.0.0.1:", env["HTTP_PROXY"], StringComparison.Ordinal);
        Assert.Equal(env["HTTP_PROXY"], env["HTTPS_PROXY"]);
        Assert.Equal("", env["https_proxy"]);
        Assert.EndsWith("mod.b.example/lib", env["GOINSECURE"], StringComparison.Ordinal);
        AssertNoSecretIn(env);
    }

    [Fact]
    public async Task Run_SshHost_KeyCopiedPrivatelyAndUsedForThatHostOnly()
    {
        var (home, env) = await RunAsync("git.c.example/infra/tools");

        var files = AllText(home);
        Assert.DoesNotContain(_tokenA, files, StringComparison.Ordinal);
        Assert.DoesNotContain(_passwordB, files, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(home, DirectRunSetup.NetrcName)));
        Assert.False(File.Exists(Path.Combine(home, ".netrc")));
        var config = await File.ReadAllTextAsync(Path.Combine(home, DirectRunSetup.SshConfigName));
        var key = Path.Combine(env["HOME"], ".modmesh-ssh", "key0");
        Assert.Contains($"Host git.c.example\n\tIdentityFile \"{key}\"\n\tIdentitiesOnly yes\n\tUser git\n", config, StringComparison.Ordinal);
        Assert.Contains("StrictHostKeyChecking accept-new", config, StringComparison.Ordinal);
        Assert.Equal(_keyC, await File.ReadAllTextAsync(Path.Combine(home, ".modmesh-ssh", "key0")));
        AssertPrivate(Path.Combine(home, ".modmesh-ssh", "key0"));
        Assert.Equal($"ssh -F '{Path.Combine(env["HOME"], DirectRunSetup.SshConfigName)}'", env["GIT_SSH_COMMAND"]);
        AssertNoSecretIn(env);
    }

    [Fact]
    public async Task Run_UnrelatedHost_GetsNoCredentialAtAll()
    {
        var (home, env) = await RunAsync("example.org/public/module");

        var files = AllText(home);
        Assert.DoesNotContain(_tokenA, files, StringComparison.Ordinal);
        Assert.DoesNotContain(_passwordB, files, StringComparison.Ordinal);
        Assert.DoesNotContain("keyC-", files, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_root, "operator-gitconfig"), env["GIT_CONFIG_GLOBAL"]);
        Assert.False(env.ContainsKey("NETRC"));
        Assert.False(env.ContainsKey("HTTP_PROXY"));
        AssertNoSecretIn(env);
    }

    private void AssertNoSecretIn(Dictionary<string, string> env)
    {
        var all = string.Join('\n', env.Select(p => p.Key + "=" + p.Value));
        Assert.DoesNotContain(_tokenA, all, StringComparison.Ordinal);
        Assert.DoesNotContain(_passwordB, all, StringComparison.Ordinal);
        Assert.DoesNotContain("keyC-", all, StringComparison.Ordinal);
        var args = File.ReadAllText(Path.Combine(Captured, "args"));
        Assert.DoesNotContain(_tokenA, args, StringComparison.Ordinal);
        Assert.DoesNotContain(_passwordB, args, StringComparison.Ordinal);
    }

    private static void AssertPrivate(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }
}
