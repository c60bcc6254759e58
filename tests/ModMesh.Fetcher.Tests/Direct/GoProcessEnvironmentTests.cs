using ModMesh.Fetcher.Direct;
using ModMesh.TestSupport;
using static ModMesh.Fetcher.Tests.Direct.DirectTestSupport;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>
/// The go command (and the git it runs) for <c>direct</c> gets an allow-listed environment: the service's secrets,
/// whatever their names, never reach it. The "go binary" here is <c>/usr/bin/env</c>, which prints what it was given.
/// </summary>
public sealed class GoProcessEnvironmentTests
{
    [Fact]
    public async Task ServiceSecrets_NeverReachTheGoProcess_OnlyTheAllowListAndTheGivenVariables()
    {
        var secrets = new Dictionary<string, string>
        {
            ["AWS_SECRET_ACCESS_KEY"] = "aws-secret-" + Guid.NewGuid().ToString("N"),
            ["SSH_AUTH_SOCK"] = "/tmp/agent-" + Guid.NewGuid().ToString("N"),
            ["ConnectionStrings__redis"] = "127.0.0.1:6379,password=" + Guid.NewGuid().ToString("N"),
            ["GITHUB_TOKEN"] = "ghp_" + Guid.NewGuid().ToString("N"),
            ["GOPRIVATE"] = "leaked.example",
        };
        foreach (var (key, value) in secrets)
        {
            Environment.SetEnvironmentVariable(key, value);
        }

        try
        {
            var run = await GoProcess.RunAsync("/usr/bin/env", [], Path.GetTempPath(),
                new Dictionary<string, string> { ["HOME"] = "/private/home", ["GOPROXY"] = "direct" }, TimeSpan.FromSeconds(30), CancellationToken.None);

            Assert.True(run.Succeeded, run.Error);
            var names = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[..line.IndexOf('=', StringComparison.Ordinal)]).ToList();
            Assert.All(secrets.Values, secret => Assert.DoesNotContain(secret, run.Output, StringComparison.Ordinal));
            Assert.All(names, name => Assert.True(GoProcess.Inherited.Contains(name) || name is "HOME" or "GOPROXY", $"{name} reached the go process"));
            Assert.Contains("HOME=/private/home", run.Output, StringComparison.Ordinal);
            Assert.Contains("PATH", names);
        }
        finally
        {
            foreach (var key in secrets.Keys)
            {
                Environment.SetEnvironmentVariable(key, null);
            }
        }
    }

    /// <summary>The variables a direct run may set on top of the allow-list.</summary>
    private static readonly HashSet<string> DirectVariables =
    [
        "HOME", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOVCS", "GOINSECURE",
        "GOFLAGS", "GO111MODULE", "GOTOOLCHAIN", "GOWORK", "CGO_ENABLED", "GIT_TERMINAL_PROMPT", "GCM_INTERACTIVE",
        "GIT_CONFIG_GLOBAL", "NETRC", "GIT_SSH_COMMAND", "PWD", "SHLVL", "_",
    ];

    [Fact]
    public async Task DirectRun_WithMappingAndCredentials_NoServiceSecretAndNoCredentialInTheEnvironment()
    {
        var root = TempDirectory.CreateUnique("direct-env");
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var secrets = new Dictionary<string, string>
        {
            ["AWS_SECRET_ACCESS_KEY"] = "aws-secret-" + Guid.NewGuid().ToString("N"),
            ["ConnectionStrings__blobs"] = "Endpoint=http://127.0.0.1:1;SecretKey=" + Guid.NewGuid().ToString("N"),
            ["ModMesh__InternalKey"] = "internal-" + Guid.NewGuid().ToString("N"),
            ["GIT_ASKPASS"] = "/tmp/askpass-" + Guid.NewGuid().ToString("N"),
            ["GIT_SSH_COMMAND"] = "ssh -i /tmp/service-key-" + Guid.NewGuid().ToString("N"),
        };
        foreach (var (key, value) in secrets)
        {
            Environment.SetEnvironmentVariable(key, value);
        }

        try
        {
            var tokenFile = Path.Combine(root, "token");
            await File.WriteAllTextAsync(tokenFile, token);
            var go = WriteScript(root, "go", $"env > '{root}/env'\necho '{{\"Path\":\"m\",\"Versions\":[]}}'\n");
            using var source = Create(new DirectOptions
            {
                GoBinary = go,
                WorkPath = Path.Combine(root, "work"),
                KeepWarm = TimeSpan.Zero,
                Mappings = [new DirectMapping { Prefix = "git.corp.example/team/repo", Repository = "https://git.corp.example/team/repo.git" }],
                Credentials = [new DirectCredential { Host = "git.corp.example", Kind = "token", SecretFile = tokenFile }],
            });

            using var list = await source.GetAsync("git.corp.example/team/repo", "@v/list", CancellationToken.None);

            Assert.Equal("", await ReadTextAsync(list));
            var output = await File.ReadAllTextAsync(Path.Combine(root, "env"));
            Assert.All(secrets.Values, secret => Assert.DoesNotContain(secret, output, StringComparison.Ordinal));
            Assert.DoesNotContain(token, output, StringComparison.Ordinal);
            var names = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[..line.IndexOf('=', StringComparison.Ordinal)]).ToList();
            Assert.All(names, name => Assert.True(
                GoProcess.Inherited.Contains(name, StringComparer.OrdinalIgnoreCase) || DirectVariables.Contains(name), $"{name} reached the go process"));
        }
        finally
        {
            foreach (var key in secrets.Keys)
            {
                Environment.SetEnvironmentVariable(key, null);
            }

            TempDirectory.Delete(root);
        }
    }
}
