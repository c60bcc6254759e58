using Microsoft.Extensions.Time.Testing;
using ModMesh.Access.Tests.Infrastructure;

namespace ModMesh.Access.Tests.Rules;

public sealed class RulesFileTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly TempFolder folder = new();
    private readonly FakeTimeProvider time = new();
    private readonly RecordingLogger<RulesFile> log = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Open_TheIssueExample_LoadsIt()
    {
        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example);

        using var rules = Open();

        Assert.Equal(4, rules.Current.Rules.Count);
        Assert.Contains(log.WithEvent(EventIds.FileLoaded), e => e.Message.Contains("4 rule(s), 3 group(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_BadFile_ThrowsWithTheProblems()
    {
        File.WriteAllText(folder.File("rules"), "@a = alice\na.example/x RX = @a\n");

        var error = Assert.Throws<AccessFileException>(Open);

        Assert.Equal((2, AccessFileProblemKind.BadPermission), (error.Problems[0].Line, error.Problems[0].Kind));
    }

    [Fact]
    public void Reload_BadEdit_KeepsTheLastGoodRulesAndLogsTheErrors()
    {
        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example);
        using var rules = Open();
        var policy = new AccessPolicy(rules);

        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example + "\ngit.corp.example/infra/* RW = @admin\ngit.corp.example/secret/... R = @auditors\n");
        ApplyChange(rules);

        Assert.Equal(1, rules.Generation);
        Assert.True(policy.CanRead(new Principal("alice"), "git.corp.example/infra/x"));
        var warning = Assert.Single(log.WithEvent(EventIds.FileRejected));
        Assert.Contains("line 10: group @admin is not defined", warning.Message, StringComparison.Ordinal);
        Assert.Contains("line 11: git.corp.example/secret/... gives @auditors R here but - on line 9", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_GoodEdit_ChangesDecisions()
    {
        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example);
        using var rules = Open();
        var policy = new AccessPolicy(rules);
        Assert.False(policy.CanRead(new Principal("carol"), "git.corp.example/frontend/module-b"));

        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example + "\ngit.corp.example/frontend/... R = @frontend\n");
        ApplyChange(rules);

        Assert.Equal(2, rules.Generation);
        Assert.True(policy.CanRead(new Principal("carol"), "git.corp.example/frontend/module-b"));
    }

    [Fact]
    public async Task Reload_ThroughTheWatcher_ChangesDecisions()
    {
        File.WriteAllText(folder.File("rules"), AccessRulesTests.Example);
        var options = new FileWatchOptions { PollInterval = Timeout.InfiniteTimeSpan, SettleTime = TimeSpan.FromMilliseconds(50) };
        using var rules = new RulesFile(folder.File("rules"), TimeProvider.System, log, options);
        var policy = new AccessPolicy(rules);

        folder.ReplaceAtomically("rules", AccessRulesTests.Example + "\ngit.corp.example/infra/* - = ops-bot\n");

        await Eventually.TrueAsync(() => !policy.CanRead(new Principal("ops-bot"), "git.corp.example/infra/x"), "the deny for ops-bot to apply");
        Assert.True(policy.CanRead(new Principal("alice"), "git.corp.example/infra/x"));
    }

    private RulesFile Open() =>
        new(folder.File("rules"), time, log, new FileWatchOptions { UseFileSystemWatcher = false, PollInterval = Timeout.InfiniteTimeSpan, SettleTime = Settle });

    private void ApplyChange(RulesFile rules)
    {
        rules.CheckNow();
        time.Advance(Settle);
    }
}
