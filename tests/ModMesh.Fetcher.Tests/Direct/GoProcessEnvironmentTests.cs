using ModMesh.Fetcher.Direct;

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
}
