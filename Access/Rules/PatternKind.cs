namespace ModMesh.Access;

/// <summary>The broad shape of a module path pattern, from the broadest to the narrowest.</summary>
public enum PatternKind
{
    /// <summary>Ends in <c>/...</c> (or is <c>...</c>): the prefix and everything below it.</summary>
    Subtree = 0,

    /// <summary>Has a <c>*</c> in some element and no <c>/...</c>: a fixed number of elements.</summary>
    Wildcard = 1,

    /// <summary>No wildcard at all: one module path.</summary>
    Exact = 2,
}
