namespace ModMesh.Protocol;

/// <summary>GOPRIVATE/GONOSUMDB-style comma-separated glob patterns matched against module path prefixes (module.MatchPrefixPatterns).</summary>
/// <remarks>
/// Each pattern is a <see cref="GlobPattern"/> (Go's path.Match syntax) matched against the leading elements of the
/// module path, as many as the pattern has; a trailing '/' of a pattern is ignored. Malformed patterns match nothing.
/// </remarks>
public sealed class ModulePatternSet
{
    private readonly string[] patterns;
    private readonly string[] trimmed;
    private readonly bool ignoreCase;

    private ModulePatternSet(string[] patterns, bool ignoreCase)
    {
        this.patterns = patterns;
        this.ignoreCase = ignoreCase;
        trimmed = Array.ConvertAll(patterns, p => (p.EndsWith('/') ? p[..^1] : p) is var t && ignoreCase ? t.ToLowerInvariant() : t);
    }

    /// <summary>An empty set that matches nothing.</summary>
    public static ModulePatternSet Empty { get; } = Parse("");

    /// <summary>
    /// Parses "*.corp.example.com,rsc.io/private"; empty elements are ignored. With <paramref name="ignoreCase"/>, a
    /// pattern matches a module path whatever the letter case of either (go's own matching is case-sensitive; hosts
    /// such as GitHub are not, so <c>github.com/Corp/x</c> is the same code as <c>github.com/corp/x</c>).
    /// </summary>
    public static ModulePatternSet Parse(string patterns, bool ignoreCase = false)
    {
        var list = (patterns ?? "").Split(',').Where(p => p.Length > 0).ToArray();
        return new ModulePatternSet(list, ignoreCase);
    }

    /// <summary>The patterns, as given.</summary>
    public IReadOnlyList<string> Patterns => patterns;

    /// <summary>True when the set holds no pattern.</summary>
    public bool IsEmpty => patterns.Length == 0;

    /// <summary>True when some pattern matches a leading run of path elements of <paramref name="modulePath"/>.</summary>
    public bool Matches(string modulePath)
    {
        if (modulePath is null)
        {
            return false;
        }

        if (ignoreCase)
        {
            modulePath = modulePath.ToLowerInvariant();
        }

        foreach (var glob in trimmed)
        {
            if (glob.Length == 0)
            {
                continue;
            }

            // The prefix of the target with as many elements as the pattern has.
            var slashes = glob.Count(c => c == '/');
            var prefix = modulePath;
            var remaining = slashes;
            for (var i = 0; i < modulePath.Length; i++)
            {
                if (modulePath[i] != '/')
                {
                    continue;
                }

                if (remaining == 0)
                {
                    prefix = modulePath.Substring(0, i);
                    break;
                }

                remaining--;
            }

            if (remaining > 0)
            {
                continue;
            }

            if (GlobPattern.IsMatch(glob, prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(',', patterns);
}
