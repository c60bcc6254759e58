using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.TestSupport;

namespace ModMesh.Cli.Tests.Commands;

/// <summary><c>modmesh rules check</c>: exit codes and one line per problem, with its line number.</summary>
public sealed class RulesCommandTests : IDisposable
{
    private readonly string _folder = TempDirectory.CreateUnique("rules");

    public void Dispose() => TempDirectory.Delete(_folder);

    private string Write(string text)
    {
        var path = Path.Combine(_folder, "rules");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Check_CleanFile_ExitsZero()
    {
        var path = Write("""
            @admins = alice ops-bot
            git.corp.example/infra/*  RW = @admins
            git.corp.example/...      R  = @all
            """);

        var run = await CliRunner.RunAsync("rules", "check", path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{path}: ok, 2 rule(s), 1 group(s)", Assert.Single(run.OutLines));
    }

    [Fact]
    public async Task Check_Problems_EachPrintedWithItsLine_ExitsOne()
    {
        var path = Write("""
            @admins = alice
            git.corp.example/infra/*  RW = @admins
            git.corp.example/**       R  = alice
            git.corp.example/x        RWX = alice
            git.corp.example/y        R  = @nobody
            """);

        var run = await CliRunner.RunAsync("rules", "check", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.OutLines, l => l.StartsWith($"{path}:3: ", StringComparison.Ordinal));
        Assert.Contains(run.OutLines, l => l.StartsWith($"{path}:4: ", StringComparison.Ordinal));
        Assert.Contains(run.OutLines, l => l.StartsWith($"{path}:5: ", StringComparison.Ordinal) && l.Contains("nobody", StringComparison.Ordinal));
        Assert.DoesNotContain(run.OutLines, l => l.StartsWith($"{path}:1: ", StringComparison.Ordinal) || l.StartsWith($"{path}:2: ", StringComparison.Ordinal));
        Assert.Contains("problem(s)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingFile_Fails_NoArgument_IsUsage()
    {
        Assert.Equal(1, (await CliRunner.RunAsync("rules", "check", Path.Combine(_folder, "absent"))).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("rules", "check")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("rules", "lint", "x")).ExitCode);
    }
}
