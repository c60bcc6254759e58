using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Upstream;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>The direct settings bind from configuration (environment-variable style) and are checked at start-up.</summary>
public sealed class DirectOptionsTests : IDisposable
{
    private readonly string _root = TempDirectory.CreateUnique("direct-options");

    public void Dispose() => TempDirectory.Delete(_root);

    private static UpstreamOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new UpstreamOptions();
        configuration.GetSection(UpstreamOptions.SectionName).Bind(options);
        return options;
    }

    private static List<string> Problems(UpstreamOptions options) =>
        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage ?? "").ToList();

    [Fact]
    public void Bind_MappingsCredentialsPatterns_FromIndexedKeys()
    {
        var secret = Path.Combine(_root, "token");
        File.WriteAllText(secret, "t");
        var options = Bind(new()
        {
            ["ModMesh:Upstream"] = "direct",
            ["ModMesh:Direct:GoBinary"] = GoTool.Locate().GoPath,
            ["ModMesh:Direct:Mappings:0:Prefix"] = "git.corp.example/team/repo",
            ["ModMesh:Direct:Mappings:0:Repository"] = "ssh://git@git.corp.example/team/repo.git",
            ["ModMesh:Direct:Mappings:1:Prefix"] = "git.corp.example/tools/",
            ["ModMesh:Direct:Mappings:1:Repository"] = "file:///srv/git/tools.git",
            ["ModMesh:Direct:Credentials:0:Host"] = "git.corp.example",
            ["ModMesh:Direct:Credentials:0:Kind"] = "Token",
            ["ModMesh:Direct:Credentials:0:SecretFile"] = secret,
            ["ModMesh:Direct:Patterns"] = "*.corp.example",
        });

        Assert.Empty(Problems(options));
        Assert.Equal(2, options.Direct.Mappings.Count);
        Assert.Equal("git.corp.example/tools", options.Direct.Mappings[1].NormalizedPrefix);
        Assert.Equal("token", options.Direct.Credentials[0].NormalizedKind);
        Assert.Equal("*.corp.example", options.Direct.Patterns);
    }

    [Theory]
    [InlineData("https://git.corp.example/team/repo", "ssh://git@git.corp.example/repo.git", "not a module path")]
    [InlineData("nodot/team/repo", "ssh://git@git.corp.example/repo.git", "not a module path")]
    [InlineData("git.corp.example/team/repo", "git@git.corp.example:team/repo.git", "must be an ssh://")]
    [InlineData("git.corp.example/team/repo", "ftp://git.corp.example/repo.git", "must be an ssh://")]
    [InlineData("git.corp.example/team/repo", "", "must be an ssh://")]
    public void Validate_BadMapping_Refused(string prefix, string repository, string expected)
    {
        var options = Bind(new()
        {
            ["ModMesh:Upstream"] = "direct",
            ["ModMesh:Direct:GoBinary"] = GoTool.Locate().GoPath,
            ["ModMesh:Direct:Mappings:0:Prefix"] = prefix,
            ["ModMesh:Direct:Mappings:0:Repository"] = repository,
        });

        Assert.Contains(Problems(options), p => p.StartsWith("ModMesh:Direct:Mappings:", StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("git.corp.example", "password", "", true, "must be \"token\"")]
    [InlineData("git.corp.example", "basic", "", true, "needs a UserName")]
    [InlineData("git.corp.example", "token", "", false, "does not exist")]
    [InlineData("https://git.corp.example", "token", "", true, "is not a host name")]
    public void Validate_BadCredential_RefusedWithoutShowingTheSecret(string host, string kind, string user, bool secretExists, string expected)
    {
        var secret = Path.Combine(_root, "secret");
        if (secretExists)
        {
            File.WriteAllText(secret, "super-secret-value");
        }

        var options = Bind(new()
        {
            ["ModMesh:Upstream"] = "direct",
            ["ModMesh:Direct:GoBinary"] = GoTool.Locate().GoPath,
            ["ModMesh:Direct:Credentials:0:Host"] = host,
            ["ModMesh:Direct:Credentials:0:Kind"] = kind,
            ["ModMesh:Direct:Credentials:0:UserName"] = user,
            ["ModMesh:Direct:Credentials:0:SecretFile"] = secret,
        });

        var problems = Problems(options);
        Assert.Contains(problems, p => p.StartsWith("ModMesh:Direct:Credentials:", StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("super-secret-value", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MissingKnownHostsAndDuplicatePrefix_Refused()
    {
        var options = Bind(new()
        {
            ["ModMesh:Upstream"] = "direct",
            ["ModMesh:Direct:GoBinary"] = GoTool.Locate().GoPath,
            ["ModMesh:Direct:KnownHosts"] = Path.Combine(_root, "no-such-known-hosts"),
            ["ModMesh:Direct:Mappings:0:Prefix"] = "git.corp.example/a",
            ["ModMesh:Direct:Mappings:0:Repository"] = "file:///srv/a.git",
            ["ModMesh:Direct:Mappings:1:Prefix"] = "git.corp.example/A",
            ["ModMesh:Direct:Mappings:1:Repository"] = "file:///srv/b.git",
        });

        var problems = Problems(options);
        Assert.Contains(problems, p => p.StartsWith("ModMesh:Direct:KnownHosts", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("mapped more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_MappingList_AddedToIndexedMappingsAndChecked()
    {
        var options = Bind(new()
        {
            ["ModMesh:Upstream"] = "direct",
            ["ModMesh:Direct:GoBinary"] = GoTool.Locate().GoPath,
            ["ModMesh:Direct:Mappings:0:Prefix"] = "git.corp.example/a",
            ["ModMesh:Direct:Mappings:0:Repository"] = "file:///srv/a.git",
            ["ModMesh:Direct:MappingList"] = " git.corp.example/b = https://git.corp.example/b.git ; git.corp.example/c=ssh://git@git.corp.example/c.git;",
        });

        Assert.Empty(Problems(options));
        Assert.Equal(
            ["git.corp.example/a=file:///srv/a.git", "git.corp.example/b=https://git.corp.example/b.git", "git.corp.example/c=ssh://git@git.corp.example/c.git"],
            options.Direct.AllMappings.Select(m => $"{m.NormalizedPrefix}={m.Repository}"));

        options.Direct.MappingList = "git.corp.example/d;git.corp.example/a=file:///srv/other.git";
        var problems = Problems(options);
        Assert.Contains(problems, p => p.Contains("must be an ssh://", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("mapped more than once", StringComparison.Ordinal));
    }
}
