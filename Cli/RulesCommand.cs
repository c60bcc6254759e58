using ModMesh.Access;

namespace ModMesh.Cli;

/// <summary><c>modmesh rules check &lt;file&gt;</c>: every problem of a rules file, with its line (AccessRules.Check).</summary>
internal static class RulesCommand
{
    public static int Check(IReadOnlyList<string> args, CliContext context)
    {
        var parsed = Arguments.Parse(args, [], []);
        var path = parsed.ExpectPositional(1, "rules file")[0];
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"modmesh: cannot read {path}: {ex.Message}");
            return ExitCodes.Failure;
        }

        var result = AccessRules.Parse(text);
        foreach (var problem in result.Problems)
        {
            context.Out.WriteLine(problem.Line > 0 ? $"{path}:{problem.Line}: {problem.Message}" : $"{path}: {problem.Message}");
        }

        if (result.Value is not { } rules)
        {
            context.Error.WriteLine($"{path}: {result.Problems.Count} problem(s)");
            return ExitCodes.Failure;
        }

        context.Out.WriteLine($"{path}: ok, {rules.Rules.Count} rule(s), {rules.Groups.Count} group(s)");
        return ExitCodes.Success;
    }
}
