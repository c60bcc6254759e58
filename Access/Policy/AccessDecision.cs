namespace ModMesh.Access;

/// <summary>
/// What <see cref="AccessPolicy.Decide"/> decided, and why. <see cref="Reason"/> is for logs only: it names users,
/// groups and rules that a client has no business seeing.
/// </summary>
public sealed class AccessDecision
{
    private AccessDecision(AccessDecisionKind kind, string reason, AccessRule? rule)
    {
        Kind = kind;
        Reason = reason;
        Rule = rule;
    }

    /// <summary>The outcome.</summary>
    public AccessDecisionKind Kind { get; }

    /// <summary>Why, for logs (never for clients).</summary>
    public string Reason { get; }

    /// <summary>The rule that decided, when one did.</summary>
    public AccessRule? Rule { get; }

    /// <summary>True for <see cref="AccessDecisionKind.Allowed"/>.</summary>
    public bool IsAllowed => Kind == AccessDecisionKind.Allowed;

    /// <summary>The HTTP status to answer instead of serving: 401, 403, or null when allowed. The one mapping.</summary>
    public int? DenialStatusCode => Kind switch
    {
        AccessDecisionKind.Unauthenticated => 401,
        AccessDecisionKind.Forbidden => 403,
        _ => null,
    };

    internal static AccessDecision Allow(string reason, AccessRule? rule = null) => new(AccessDecisionKind.Allowed, reason, rule);

    internal static AccessDecision Unauthenticated(string reason) => new(AccessDecisionKind.Unauthenticated, reason, null);

    internal static AccessDecision Forbid(string reason, AccessRule? rule = null) => new(AccessDecisionKind.Forbidden, reason, rule);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Reason}";
}
