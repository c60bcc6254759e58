namespace ModMesh.Access;

/// <summary>
/// How specific a module path pattern is; of the matching rules that name a user, the one with the greatest
/// specificity decides. Compared field by field, in this order, the greater winning.
/// </summary>
/// <param name="LiteralPrefix">Leading elements without a wildcard (<c>a/b/*/c</c> has 2; <c>a/b/...</c> has 2).</param>
/// <param name="Kind">Exact over <c>*</c>-containing over <c>/...</c>.</param>
/// <param name="Elements">Elements, not counting a trailing <c>...</c>.</param>
/// <param name="LiteralCharacters">Characters other than <c>*</c> and a trailing <c>/...</c>: <c>lib-*</c> beats <c>*</c>.</param>
public readonly record struct PatternSpecificity(int LiteralPrefix, PatternKind Kind, int Elements, int LiteralCharacters)
    : IComparable<PatternSpecificity>
{
    /// <inheritdoc/>
    public int CompareTo(PatternSpecificity other)
    {
        var c = LiteralPrefix.CompareTo(other.LiteralPrefix);
        if (c == 0)
        {
            c = Kind.CompareTo(other.Kind);
        }

        if (c == 0)
        {
            c = Elements.CompareTo(other.Elements);
        }

        if (c == 0)
        {
            c = LiteralCharacters.CompareTo(other.LiteralCharacters);
        }

        return c;
    }

    /// <summary>True when <paramref name="left"/> is more specific than <paramref name="right"/>.</summary>
    public static bool operator >(PatternSpecificity left, PatternSpecificity right) => left.CompareTo(right) > 0;

    /// <summary>True when <paramref name="left"/> is less specific than <paramref name="right"/>.</summary>
    public static bool operator <(PatternSpecificity left, PatternSpecificity right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> is at least as specific as <paramref name="right"/>.</summary>
    public static bool operator >=(PatternSpecificity left, PatternSpecificity right) => left.CompareTo(right) >= 0;

    /// <summary>True when <paramref name="left"/> is at most as specific as <paramref name="right"/>.</summary>
    public static bool operator <=(PatternSpecificity left, PatternSpecificity right) => left.CompareTo(right) <= 0;
}
