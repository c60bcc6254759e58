namespace ModMesh.Access;

/// <summary>Parses the rules file (its format: <see cref="AccessRules"/>), collecting every problem rather than the first.</summary>
internal static class AccessRulesParser
{
    private const string RuleShape = "expected '<module path pattern> <R|RW|-> = <users and @groups>'";
    private const string GroupShape = "expected '@group = <users and @groups>'";

    public static AccessFileParseResult<AccessRules> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<AccessFileProblem>();
        var groups = new Dictionary<string, GroupLine>(StringComparer.Ordinal);
        var rules = new List<AccessRule>();
        var groupReferences = new List<(int Line, string Group)>();

        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = StripComment(rawLine.ToString()).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '@')
            {
                ParseGroup(line, lineNumber, groups, groupReferences, problems);
            }
            else if (ParseRule(line, lineNumber, groupReferences, problems) is { } rule)
            {
                rules.Add(rule);
            }
        }

        foreach (var (line, group) in groupReferences)
        {
            if (group != PrincipalNames.AllGroup && !groups.ContainsKey(group))
            {
                problems.Add(new(line, AccessFileProblemKind.UnknownGroup, $"group {group} is not defined"));
            }
        }

        FindCycles(groups, problems);
        FindConflicts(rules, problems);

        var members = groups.ToDictionary(g => g.Key, g => g.Value.Members, StringComparer.Ordinal);
        var ordered = problems.OrderBy(p => p.Line).ToList();
        return new AccessFileParseResult<AccessRules>(new AccessRules(rules, members), ordered);
    }

    private static void ParseGroup(
        string line,
        int lineNumber,
        Dictionary<string, GroupLine> groups,
        List<(int Line, string Group)> groupReferences,
        List<AccessFileProblem> problems)
    {
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.Syntax, $"{GroupShape}: no '='"));
            return;
        }

        var name = line[..equals].Trim();
        if (name.Contains(' ', StringComparison.Ordinal) || name.Contains('\t', StringComparison.Ordinal))
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.Syntax, $"{GroupShape}: one group name before '='"));
            return;
        }

        if (!PrincipalNames.IsValidGroup(name))
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.BadGroupName, $"'{name}' is not a group name ('@' and letters, digits, . _ -)"));
            return;
        }

        if (name == PrincipalNames.AllGroup)
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.DuplicateGroup, "@all is built in (every authenticated user) and cannot be defined"));
            return;
        }

        if (groups.TryGetValue(name, out var earlier))
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.DuplicateGroup, $"group {name} is already defined on line {earlier.Line}"));
            return;
        }

        var members = Fields(line[(equals + 1)..]);
        if (!CheckNames(members, lineNumber, groupReferences, problems))
        {
            // Defined all the same, so that rules naming it are not reported as naming an unknown group.
            members = [];
        }

        groups[name] = new GroupLine(lineNumber, members);
    }

    private static AccessRule? ParseRule(
        string line,
        int lineNumber,
        List<(int Line, string Group)> groupReferences,
        List<AccessFileProblem> problems)
    {
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.Syntax, $"{RuleShape}: no '='"));
            return null;
        }

        var head = Fields(line[..equals]);
        if (head.Length != 2)
        {
            var what = head.Length < 2 ? "a pattern and a permission" : "only a pattern and a permission";
            problems.Add(new(lineNumber, AccessFileProblemKind.Syntax, $"{RuleShape}: {what} before '='"));
            return null;
        }

        var before = problems.Count;
        if (!ModulePathPattern.TryParse(head[0], out var pattern, out var patternError))
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.BadPattern, $"bad pattern '{head[0]}': {patternError}"));
        }

        var permission = ParsePermission(head[1]);
        if (permission is null)
        {
            var hint = head[1] is "W" or "w" ? "; write access is 'RW'" : head[1].StartsWith("RW", StringComparison.Ordinal) ? "; there is no RW+ here: RW covers publishing" : "";
            problems.Add(new(lineNumber, AccessFileProblemKind.BadPermission, $"'{head[1]}' is not a permission (R, RW or - for deny){hint}"));
        }

        var names = Fields(line[(equals + 1)..]);
        if (names.Length == 0)
        {
            problems.Add(new(lineNumber, AccessFileProblemKind.EmptyRule, "the rule names no user or group after '='"));
        }

        CheckNames(names, lineNumber, groupReferences, problems);
        return problems.Count == before ? new AccessRule(lineNumber, pattern!, permission!.Value, names) : null;
    }

    private static AccessPermission? ParsePermission(string text) => text switch
    {
        "R" => AccessPermission.Read,
        "RW" => AccessPermission.ReadWrite,
        "-" => AccessPermission.Deny,
        _ => null,
    };

    private static bool CheckNames(
        string[] names,
        int lineNumber,
        List<(int Line, string Group)> groupReferences,
        List<AccessFileProblem> problems)
    {
        var ok = true;
        foreach (var name in names)
        {
            if (name[0] == '@')
            {
                if (PrincipalNames.IsValidGroup(name))
                {
                    groupReferences.Add((lineNumber, name));
                }
                else
                {
                    problems.Add(new(lineNumber, AccessFileProblemKind.BadGroupName, $"'{name}' is not a group name ('@' and letters, digits, . _ -)"));
                    ok = false;
                }
            }
            else if (!PrincipalNames.IsValidUser(name))
            {
                problems.Add(new(lineNumber, AccessFileProblemKind.BadUser, $"'{name}' is not a user name (letters, digits and . _ - + @, not starting with '@')"));
                ok = false;
            }
        }

        return ok;
    }

    // Groups that contain each other, reported once per cycle at the line of the cycle's first group in file order.
    private static void FindCycles(Dictionary<string, GroupLine> groups, List<AccessFileProblem> problems)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the current path, 2: done
        var path = new List<string>();
        foreach (var start in groups.OrderBy(g => g.Value.Line).Select(g => g.Key))
        {
            if (!state.ContainsKey(start))
            {
                Visit(start);
            }
        }

        void Visit(string group)
        {
            state[group] = 1;
            path.Add(group);
            foreach (var member in groups[group].Members)
            {
                if (!groups.ContainsKey(member))
                {
                    continue;
                }

                if (!state.TryGetValue(member, out var s))
                {
                    Visit(member);
                }
                else if (s == 1)
                {
                    var cycle = path.Skip(path.IndexOf(member)).ToList();
                    var first = cycle.MinBy(g => groups[g].Line)!;
                    problems.Add(new(
                        groups[first].Line,
                        AccessFileProblemKind.GroupCycle,
                        $"groups contain each other: {string.Join(" > ", cycle)} > {member}"));
                }
            }

            path.RemoveAt(path.Count - 1);
            state[group] = 2;
        }
    }

    // The same pattern (as written) giving the same name two different permissions is ambiguous: reported, not guessed.
    private static void FindConflicts(List<AccessRule> rules, List<AccessFileProblem> problems)
    {
        var seen = new Dictionary<(string Pattern, string Name), AccessRule>();
        foreach (var rule in rules)
        {
            foreach (var name in rule.Names)
            {
                if (!seen.TryGetValue((rule.Pattern.Text, name), out var earlier))
                {
                    seen[(rule.Pattern.Text, name)] = rule;
                }
                else if (earlier.Permission != rule.Permission)
                {
                    problems.Add(new(
                        rule.Line,
                        AccessFileProblemKind.ConflictingRule,
                        $"{rule.Pattern} gives {name} {AccessRule.Format(rule.Permission)} here but {AccessRule.Format(earlier.Permission)} on line {earlier.Line}"));
                }
            }
        }
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? line : line[..hash];
    }

    private static string[] Fields(string text) => text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private sealed record GroupLine(int Line, string[] Members);
}
