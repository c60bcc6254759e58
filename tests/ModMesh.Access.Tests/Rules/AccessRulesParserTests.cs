namespace ModMesh.Access.Tests.Rules;

public class AccessRulesParserTests
{
    [Fact]
    public void Check_TheIssueExample_HasNoProblem()
    {
        Assert.Empty(AccessRules.Check(AccessRulesTests.Example));
    }

    [Fact]
    public void Parse_TheIssueExample_KeepsRulesAndGroupsAsWritten()
    {
        var rules = AccessRules.Parse(AccessRulesTests.Example).Value!;

        Assert.Equal(4, rules.Rules.Count);
        Assert.Equal(["alice", "ops-bot"], rules.Groups["@admins"]);
        var first = rules.Rules[0];
        Assert.Equal(6, first.Line);
        Assert.Equal("git.corp.example/infra/*", first.Pattern.Text);
        Assert.Equal(AccessPermission.ReadWrite, first.Permission);
        Assert.Equal(["@admins"], first.Names);
        Assert.Equal("line 6: git.corp.example/infra/* RW = @admins", first.ToString());
        Assert.Equal(AccessPermission.Deny, rules.Rules[3].Permission);
    }

    [Fact]
    public void Parse_CommentsAndSpacing_AreFlexible()
    {
        var text = "\t@ops=alice\tbob   # the on-call\n\n   git.corp.example/...\tR=@ops   # read all\r\n# done";

        var result = AccessRules.Parse(text);

        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        Assert.Equal(["alice", "bob"], result.Value!.Groups["@ops"]);
        Assert.Equal(3, Assert.Single(result.Value.Rules).Line);
    }

    [Fact]
    public void Check_EveryKindOfProblem_IsReportedWithItsLineInLineOrder()
    {
        var text = """
            @admins = alice
            @admins = bob
            @all = everyone
            a.example/x  RX = alice
            a.example//x R = alice
            a.example/x R = @nobody
            a.example/x R =
            a.example/x R alice
            @a = @b
            @b = @a
            a.example/y R = alice
            a.example/y RW = alice
            a.example/z W = alice
            a.example/z R = al ice!
            admins = alice
            @bad!name = alice
            a.example/x/.../y R = alice
            a.example/z R RW = alice
            """;

        var problems = AccessRules.Check(text);

        Assert.Equal(
            [
                (2, AccessFileProblemKind.DuplicateGroup),
                (3, AccessFileProblemKind.DuplicateGroup),
                (4, AccessFileProblemKind.BadPermission),
                (5, AccessFileProblemKind.BadPattern),
                (6, AccessFileProblemKind.UnknownGroup),
                (7, AccessFileProblemKind.EmptyRule),
                (8, AccessFileProblemKind.Syntax),
                (9, AccessFileProblemKind.GroupCycle),
                (12, AccessFileProblemKind.ConflictingRule),
                (13, AccessFileProblemKind.BadPermission),
                (14, AccessFileProblemKind.BadUser),
                (15, AccessFileProblemKind.Syntax),
                (16, AccessFileProblemKind.BadGroupName),
                (17, AccessFileProblemKind.BadPattern),
                (18, AccessFileProblemKind.Syntax),
            ],
            problems.Select(p => (p.Line, p.Kind)));
        Assert.Null(AccessRules.Parse(text).Value);
    }

    [Theory]
    [InlineData("@admins = alice\n@admins = bob", "line 2: group @admins is already defined on line 1")]
    [InlineData("@all = alice", "line 1: @all is built in")]
    [InlineData("a.example/x RX = alice", "line 1: 'RX' is not a permission (R, RW or - for deny)")]
    [InlineData("a.example/x W = alice", "write access is 'RW'")]
    [InlineData("a.example/x RW+ = alice", "there is no RW+ here")]
    [InlineData("a.example/x r = alice", "line 1: 'r' is not a permission")]
    [InlineData("\n\na.example//x R = alice", "line 3: bad pattern 'a.example//x': a pattern has no empty elements")]
    [InlineData("example.com/!priv/... R = alice", "write the path decoded")]
    [InlineData("a.example/x R = @nobody", "line 1: group @nobody is not defined")]
    [InlineData("@g = @nobody\na.example/x R = @g", "line 1: group @nobody is not defined")]
    [InlineData("a.example/x R =", "line 1: the rule names no user or group")]
    [InlineData("a.example/x R alice", "line 1: expected '<module path pattern> <R|RW|-> = <users and @groups>': no '='")]
    [InlineData("@a = @b\n@b = @c alice\n@c = @a", "line 1: groups contain each other: @a > @b > @c > @a")]
    [InlineData("@a = @a", "line 1: groups contain each other: @a > @a")]
    [InlineData("a.example/y R = alice\na.example/y RW = alice", "line 2: a.example/y gives alice RW here but R on line 1")]
    public void Check_Problem_SaysWhereAndWhat(string text, string expected)
    {
        var problems = AccessRules.Check(text).Select(p => p.ToString()).ToList();

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_SameRuleTwiceWithTheSamePermission_IsNotAProblem()
    {
        Assert.Empty(AccessRules.Check("a.example/y R = alice\na.example/y R = alice bob"));
    }

    [Fact]
    public void Check_GroupUsedBeforeItIsDefined_IsFine()
    {
        Assert.Empty(AccessRules.Check("a.example/... R = @late\n@late = alice"));
    }
}
