namespace ModMesh.Fetcher.Direct;

/// <summary>The configured <see cref="DirectMapping"/>s, looked up by module path (longest prefix first).</summary>
internal sealed class DirectMappings
{
    private readonly DirectMapping[] _byLength;
    private readonly StringComparison _comparison;

    public DirectMappings(IEnumerable<DirectMapping> mappings, bool ignoreCase)
    {
        _byLength = mappings.Where(m => m.Problem() is null).OrderByDescending(m => m.NormalizedPrefix.Length).ToArray();
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    }

    /// <summary>True when no mapping is configured.</summary>
    public bool IsEmpty => _byLength.Length == 0;

    /// <summary>The prefixes, as written.</summary>
    public IEnumerable<string> Prefixes => _byLength.Select(m => m.NormalizedPrefix);

    /// <summary>
    /// The mapping whose prefix is <paramref name="path"/> or an ancestor of it at a '/' boundary, or null. Letter case
    /// is ignored unless patterns are case-sensitive, so a case variant of a mapped path is still answered from the
    /// mapping (where go then finds that the paths disagree) and never sent to the real host.
    /// </summary>
    public DirectMapping? Find(string path)
    {
        foreach (var mapping in _byLength)
        {
            var prefix = mapping.NormalizedPrefix;
            if (path.StartsWith(prefix, _comparison) && (path.Length == prefix.Length || path[prefix.Length] == '/'))
            {
                return mapping;
            }
        }

        return null;
    }
}
