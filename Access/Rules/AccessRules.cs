namespace ModMesh.Access;

/// <summary>
/// The rules file, parsed: groups of users, and rules giving users and groups access to module paths. Immutable.
/// </summary>
/// <remarks>
/// <para>The file, in the spirit of gitolite (a '#' starts a comment that runs to the end of the line):</para>
/// <code>
/// @admins    = alice ops-bot
/// @frontend  = carol dave
/// @auditors  = erin
/// git.corp.example/infra/*            RW = @admins
/// git.corp.example/frontend/module-a  RW = @frontend
/// git.corp.example/...                R  = @auditors
/// git.corp.example/secret/...         -  = @auditors
/// </code>
/// <para>A group line is <c>@name = members</c>; members are users and other groups (defined anywhere in the file, but
/// not containing each other). Each group is defined once. <c>@all</c> is built in: every authenticated user.</para>
/// <para>A rule line is <c>&lt;pattern&gt; &lt;permission&gt; = &lt;users and @groups&gt;</c>, with the permission
/// <c>R</c> (read), <c>RW</c> (read and publish) or <c>-</c> (deny); patterns: see <see cref="ModulePathPattern"/>.</para>
/// <para><b>The decision for a user and a module path.</b> Only the rules that name the user (directly, through one of
/// their groups, or through <c>@all</c>) and whose pattern matches the path count; of those, the most specific
/// pattern decides (see <see cref="PatternSpecificity"/>: most leading literal elements, then exact over
/// <c>*</c> over <c>/...</c>, then more elements, then more literal characters). Between equally specific rules a
/// <c>-</c> wins, and otherwise grants add up (the greatest permission): <c>x/... R = @all</c> with
/// <c>x/... RW = @admins</c> gives admins RW, and <c>x/... - = @contractors</c> beside <c>x/... R = @all</c> keeps
/// contractors out. No rule: no access. Order in the file does not matter. So a more specific <c>-</c> rule takes
/// away what a broader rule gives, and a more specific rule for one group never takes anything from users it does not
/// name: erin, an auditor, still reads <c>git.corp.example/infra/x</c> through <c>git.corp.example/...</c> although
/// <c>git.corp.example/infra/*</c> is more specific, because that rule does not name her.</para>
/// <para>User and group names are compared with their case.</para>
/// </remarks>
public sealed class AccessRules
{
    private readonly AccessRule[] rules;
    private readonly Dictionary<string, IReadOnlyList<string>> groups;

    // For each user or group name, the groups that list it as a direct member.
    private readonly Dictionary<string, List<string>> containingGroups;

    internal AccessRules(IEnumerable<AccessRule> rules, Dictionary<string, string[]> groups)
    {
        this.rules = rules.ToArray();
        this.groups = groups.ToDictionary(g => g.Key, g => (IReadOnlyList<string>)Array.AsReadOnly(g.Value), StringComparer.Ordinal);
        containingGroups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (group, members) in groups)
        {
            foreach (var member in members)
            {
                if (!containingGroups.TryGetValue(member, out var list))
                {
                    containingGroups[member] = list = [];
                }

                list.Add(group);
            }
        }
    }

    /// <summary>No groups and no rules: nobody has access to any private module.</summary>
    public static AccessRules Empty { get; } = new([], new Dictionary<string, string[]>(StringComparer.Ordinal));

    /// <summary>Every rule, in file order.</summary>
    public IReadOnlyList<AccessRule> Rules => rules;

    /// <summary>Every group and its direct members, as written.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Groups => groups;

    /// <summary>Parses the text of a rules file; every problem is reported with its line number.</summary>
    public static AccessFileParseResult<AccessRules> Parse(string text) => AccessRulesParser.Parse(text);

    /// <summary>Every problem of a rules file's text, in line order (empty when it is good): for <c>modmesh rules check</c>.</summary>
    public static IReadOnlyList<AccessFileProblem> Check(string text) => Parse(text).Problems;

    /// <summary>
    /// The groups <paramref name="user"/> is in, directly or through other groups, <c>@all</c> included.
    /// </summary>
    public IReadOnlySet<string> GroupsOf(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var found = new HashSet<string>(StringComparer.Ordinal) { PrincipalNames.AllGroup };
        var pending = new Stack<string>();
        pending.Push(user);
        pending.Push(PrincipalNames.AllGroup);
        while (pending.TryPop(out var name))
        {
            if (containingGroups.TryGetValue(name, out var parents))
            {
                foreach (var parent in parents)
                {
                    if (found.Add(parent))
                    {
                        pending.Push(parent);
                    }
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The rule that decides what <paramref name="user"/> may do with <paramref name="modulePath"/> (decoded), or null
    /// when no rule names the user for that path.
    /// </summary>
    public AccessRule? FindRule(string user, string modulePath, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(modulePath);
        IReadOnlySet<string>? userGroups = null;
        AccessRule? best = null;
        foreach (var rule in rules)
        {
            if (!rule.Pattern.Matches(modulePath, ignoreCase))
            {
                continue;
            }

            userGroups ??= GroupsOf(user);
            if (!rule.AppliesTo(user, userGroups))
            {
                continue;
            }

            if (best is null)
            {
                best = rule;
                continue;
            }

            var c = rule.Pattern.Specificity.CompareTo(best.Pattern.Specificity);
            if (c > 0 || (c == 0 && WinsTie(rule.Permission, best.Permission)))
            {
                best = rule;
            }
        }

        return best;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{rules.Length} rule(s), {groups.Count} group(s)";

    // Between equally specific rules: a deny wins; otherwise grants add up, so the greater permission.
    private static bool WinsTie(AccessPermission candidate, AccessPermission best) =>
        best != AccessPermission.Deny && (candidate == AccessPermission.Deny || candidate > best);
}
