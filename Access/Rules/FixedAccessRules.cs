namespace ModMesh.Access;

/// <summary>Rules that never change (tests, or a deployment with the rules in configuration).</summary>
/// <param name="rules">The rules.</param>
public sealed class FixedAccessRules(AccessRules rules) : IAccessRulesSource
{
    /// <inheritdoc/>
    public AccessRules Current { get; } = rules ?? throw new ArgumentNullException(nameof(rules));
}
