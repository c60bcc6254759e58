namespace ModMesh.Access;

/// <summary>
/// Decides whether a principal may read or publish a module, from the rules in force and two settings.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Reading a public module: allowed without credentials when <see cref="AccessPolicyOptions.AllowAnonymousPublicRead"/>,
/// otherwise with any valid token (401 without); the rules are not consulted.</item>
/// <item>Reading a private module: never anonymous (401); with credentials, the deciding rule (see
/// <see cref="AccessRules"/>) must give <c>R</c> or <c>RW</c>; no rule, or a <c>-</c> rule, is 403.</item>
/// <item>Publishing, private or public: 401 without credentials, and the deciding rule must give <c>RW</c> (403 otherwise).</item>
/// </list>
/// Module paths are the decoded form (<c>Example.com/Priv/x</c>); anything else, an escaped path
/// (<c>example.com/!priv/x</c>) included, is forbidden: it fails closed rather than slipping past a rule written for the
/// decoded path.
/// </remarks>
public sealed class AccessPolicy
{
    private readonly IAccessRulesSource rules;
    private readonly AccessPolicyOptions options;

    /// <summary>A policy over the rules of <paramref name="rules"/> (a live <see cref="RulesFile"/>, typically).</summary>
    public AccessPolicy(IAccessRulesSource rules, AccessPolicyOptions? options = null)
    {
        this.rules = rules ?? throw new ArgumentNullException(nameof(rules));
        this.options = options ?? new AccessPolicyOptions();
    }

    /// <summary>A policy over fixed rules.</summary>
    public AccessPolicy(AccessRules rules, AccessPolicyOptions? options = null)
        : this(new FixedAccessRules(rules), options)
    {
    }

    /// <summary>Decides whether <paramref name="principal"/> (null: no credentials) may do <paramref name="operation"/>.</summary>
    /// <param name="principal">The authenticated user, or null for a request without credentials.</param>
    /// <param name="modulePath">The decoded module path.</param>
    /// <param name="isPrivate">Whether the module matches the private patterns.</param>
    /// <param name="operation">Read or publish.</param>
    public AccessDecision Decide(Principal? principal, string modulePath, bool isPrivate, AccessOperation operation)
    {
        ArgumentNullException.ThrowIfNull(modulePath);
        if (!ModulePathPattern.IsDecodedModulePath(modulePath))
        {
            return AccessDecision.Forbid("not a decoded module path (escaped with '!', empty elements or other characters)");
        }

        if (operation == AccessOperation.Read && !isPrivate)
        {
            if (principal is not null)
            {
                return AccessDecision.Allow($"public module, read by {principal}");
            }

            return options.AllowAnonymousPublicRead
                ? AccessDecision.Allow("public module, anonymous read allowed")
                : AccessDecision.Unauthenticated("public module, anonymous read is off: credentials required");
        }

        if (principal is null)
        {
            return AccessDecision.Unauthenticated(operation == AccessOperation.Publish
                ? "publishing needs credentials"
                : "private module: credentials required");
        }

        var rule = rules.Current.FindRule(principal.User, modulePath, options.IgnoreModulePathCase);
        if (rule is null)
        {
            return AccessDecision.Forbid($"no rule gives {principal} access to {modulePath}");
        }

        var needed = operation == AccessOperation.Publish ? AccessPermission.ReadWrite : AccessPermission.Read;
        if (rule.Permission >= needed)
        {
            return AccessDecision.Allow($"{principal} may {Verb(operation)} {modulePath} by {rule}", rule);
        }

        var why = rule.Permission == AccessPermission.Deny
            ? $"{principal} is denied {modulePath} by {rule}"
            : $"{principal} has only R on {modulePath} by {rule}; publishing needs RW";
        return AccessDecision.Forbid(why, rule);
    }

    /// <summary>
    /// Whether <paramref name="principal"/> may read the private module <paramref name="modulePath"/>: for filtering a
    /// list answer or deciding whether <c>@latest</c> of a private path is visible (not visible: answer as if absent).
    /// </summary>
    public bool CanRead(Principal? principal, string modulePath) => CanRead(principal, modulePath, isPrivate: true);

    /// <summary>Whether <paramref name="principal"/> may read <paramref name="modulePath"/>.</summary>
    public bool CanRead(Principal? principal, string modulePath, bool isPrivate) =>
        Decide(principal, modulePath, isPrivate, AccessOperation.Read).IsAllowed;

    private static string Verb(AccessOperation operation) => operation == AccessOperation.Publish ? "publish" : "read";
}
