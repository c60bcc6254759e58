namespace ModMesh.Access;

/// <summary>One rule of the rules file: <c>&lt;pattern&gt; &lt;R|RW|-&gt; = &lt;users and @groups&gt;</c>.</summary>
public sealed class AccessRule
{
    internal AccessRule(int line, ModulePathPattern pattern, AccessPermission permission, IReadOnlyList<string> names)
    {
        Line = line;
        Pattern = pattern;
        Permission = permission;
        Names = names;
    }

    /// <summary>The 1-based line of the rules file.</summary>
    public int Line { get; }

    /// <summary>The module paths the rule is about.</summary>
    public ModulePathPattern Pattern { get; }

    /// <summary>What the rule gives.</summary>
    public AccessPermission Permission { get; }

    /// <summary>The users and <c>@groups</c> the rule names, as written (<c>@all</c>: every authenticated user).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The spelling of a permission in the rules file: <c>R</c>, <c>RW</c> or <c>-</c>.</summary>
    public static string Format(AccessPermission permission) => permission switch
    {
        AccessPermission.Read => "R",
        AccessPermission.ReadWrite => "RW",
        _ => "-",
    };

    /// <summary>True when the rule names <paramref name="user"/>, <c>@all</c> or one of <paramref name="groups"/>.</summary>
    internal bool AppliesTo(string user, IReadOnlySet<string> groups)
    {
        foreach (var name in Names)
        {
            if (string.Equals(name, user, StringComparison.Ordinal)
                || string.Equals(name, PrincipalNames.AllGroup, StringComparison.Ordinal)
                || groups.Contains(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>line 7: git.corp.example/infra/* RW = @admins</c>.</summary>
    public override string ToString() => $"line {Line}: {Pattern} {Format(Permission)} = {string.Join(' ', Names)}";
}
