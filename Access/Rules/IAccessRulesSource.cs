namespace ModMesh.Access;

/// <summary>Where the rules in force come from: a live <see cref="RulesFile"/>, or fixed rules.</summary>
public interface IAccessRulesSource
{
    /// <summary>The rules in force now.</summary>
    AccessRules Current { get; }
}
