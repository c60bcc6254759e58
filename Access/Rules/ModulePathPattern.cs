using System.Diagnostics.CodeAnalysis;

namespace ModMesh.Access;

/// <summary>
/// A pattern of module paths in the rules file, matched against the decoded module path (<c>Example.com/Priv/x</c>,
/// never the <c>!</c>-escaped form of URLs).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Elements are separated by '/'. An element without '*' matches only itself: <c>example.com/a/b</c> matches the
/// module <c>example.com/a/b</c> and nothing else.</item>
/// <item>'*' matches any run of characters within one element, never a '/': <c>*</c> alone matches exactly one element,
/// <c>lib-*</c> matches <c>lib-</c>, <c>lib-net</c>, ... So <c>git.corp.example/infra/*</c> matches
/// <c>git.corp.example/infra/x</c> but not <c>git.corp.example/infra/x/v2</c> (a major version is a module path of its
/// own) nor <c>git.corp.example/infra/x/tools</c> (a nested module); write <c>git.corp.example/infra/...</c> for those.</item>
/// <item>A trailing <c>/...</c> matches the prefix itself and any number of elements below it:
/// <c>git.corp.example/...</c> matches <c>git.corp.example</c>, <c>git.corp.example/a</c> and
/// <c>git.corp.example/a/b/v2</c>. <c>...</c> alone matches every module path.</item>
/// <item>Characters are those of module paths (ASCII letters, digits, <c>- . _ ~</c>) plus '*'. '!' is refused: it
/// exists only in the escaped form, and patterns are written decoded (upper case letters as they are).</item>
/// <item>Letter case is compared as the caller says (see <see cref="AccessPolicyOptions.IgnoreModulePathCase"/>).</item>
/// </list>
/// </remarks>
public sealed class ModulePathPattern
{
    private const string SubtreeElement = "...";

    private readonly string[] elements;

    private ModulePathPattern(string text, string[] elements, bool isSubtree)
    {
        Text = text;
        this.elements = elements;
        IsSubtree = isSubtree;
        var literalPrefix = 0;
        while (literalPrefix < elements.Length && !elements[literalPrefix].Contains('*', StringComparison.Ordinal))
        {
            literalPrefix++;
        }

        var kind = isSubtree ? PatternKind.Subtree : literalPrefix < elements.Length ? PatternKind.Wildcard : PatternKind.Exact;
        var literalCharacters = elements.Sum(e => e.Count(c => c != '*')) + Math.Max(0, elements.Length - 1);
        Specificity = new PatternSpecificity(literalPrefix, kind, elements.Length, literalCharacters);
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True when the pattern ends in <c>/...</c> (or is <c>...</c>).</summary>
    public bool IsSubtree { get; }

    /// <summary>How specific the pattern is.</summary>
    public PatternSpecificity Specificity { get; }

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ModulePathPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        error = Validate(text);
        if (error is not null)
        {
            return false;
        }

        var parts = text!.Split('/');
        var isSubtree = parts[^1] == SubtreeElement;
        pattern = new ModulePathPattern(text, isSubtree ? parts[..^1] : parts, isSubtree);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">The pattern is not well formed.</exception>
    public static ModulePathPattern Parse(string text) =>
        TryParse(text, out var pattern, out var error) ? pattern : throw new FormatException($"'{text}': {error}");

    /// <summary>
    /// True when <paramref name="path"/> can be a decoded module path: non-empty elements of ASCII letters, digits and
    /// <c>- . _ ~</c>. Not the full rules of golang.org/x/mod's CheckPath, but enough that no escaped ('!'), empty or
    /// oddly separated path reaches a pattern (a trailing '/...' would otherwise match any tail).
    /// </summary>
    public static bool IsDecodedModulePath(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path[0] == '/' || path[^1] == '/')
        {
            return false;
        }

        var previous = '\0';
        foreach (var c in path)
        {
            if (c == '/' && previous == '/')
            {
                return false;
            }

            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~' or '/'))
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    /// <summary>
    /// True when the pattern matches <paramref name="modulePath"/>, which must be a decoded module path
    /// (<see cref="IsDecodedModulePath"/>); anything else matches no pattern.
    /// </summary>
    public bool Matches(string modulePath, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(modulePath);
        if (!IsDecodedModulePath(modulePath))
        {
            return false;
        }

        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var rest = modulePath.AsSpan();
        foreach (var element in elements)
        {
            if (rest.IsEmpty)
            {
                return false;
            }

            var slash = rest.IndexOf('/');
            var part = slash < 0 ? rest : rest[..slash];
            if (!ElementMatches(element, part, comparison))
            {
                return false;
            }

            rest = slash < 0 ? [] : rest[(slash + 1)..];
        }

        return rest.IsEmpty || IsSubtree;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    // '*' matches any run (possibly empty) of characters of one element.
    private static bool ElementMatches(string pattern, ReadOnlySpan<char> element, StringComparison comparison)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return element.Equals(pattern, comparison);
        }

        var pieces = pattern.Split('*');
        var first = pieces[0];
        var last = pieces[^1];
        if (element.Length < first.Length + last.Length
            || !element.StartsWith(first, comparison)
            || !element.EndsWith(last, comparison))
        {
            return false;
        }

        // Middle pieces in order, leftmost first, between the fixed start and end.
        var middle = element[first.Length..^last.Length];
        for (var i = 1; i < pieces.Length - 1; i++)
        {
            var at = middle.IndexOf(pieces[i], comparison);
            if (at < 0)
            {
                return false;
            }

            middle = middle[(at + pieces[i].Length)..];
        }

        return true;
    }

    private static string? Validate(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "the pattern is empty";
        }

        var parts = text.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0)
            {
                return "a pattern has no empty elements (no leading, trailing or doubled '/')";
            }

            if (part == SubtreeElement)
            {
                if (i != parts.Length - 1)
                {
                    return "'...' can only be the last element ('prefix/...')";
                }

                continue;
            }

            if (part.Contains(SubtreeElement, StringComparison.Ordinal))
            {
                return "'...' must be a whole element, at the end ('prefix/...')";
            }

            if (part.Contains("**", StringComparison.Ordinal))
            {
                return "'**' is not a pattern: '*' matches within one element, a trailing '/...' any depth";
            }

            foreach (var c in part)
            {
                if (c == '!')
                {
                    return "'!' never occurs in a module path: write the path decoded, with its upper case letters ('Foo', not '!foo')";
                }

                if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~' or '*'))
                {
                    return $"'{c}' cannot occur in a module path (letters, digits, - . _ ~ and the wildcard *)";
                }
            }
        }

        return null;
    }
}
