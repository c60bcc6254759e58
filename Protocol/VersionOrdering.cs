namespace ModMesh.Protocol;

/// <summary>What the go command expects of list and @latest.</summary>
public static class VersionOrdering
{
    /// <summary>Semver precedence, then ordinal order so that v2.0.0 and v2.0.0+incompatible have a fixed order.</summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(CompareVersions);

    /// <summary>
    /// Versions for "@v/list": valid canonical versions only, no pseudo-versions, no duplicates, ascending semver order.
    /// Retracted versions stay (retraction is the go command's business).
    /// </summary>
    /// <remarks>Versions equal in precedence (v2.0.0 and v2.0.0+incompatible) are ordered ordinally.</remarks>
    public static IReadOnlyList<string> ForList(IEnumerable<string> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in versions)
        {
            if (v is not null && Semver.IsCanonical(v) && !PseudoVersion.IsPseudoVersion(v))
            {
                set.Add(v);
            }
        }

        var list = set.ToList();
        list.Sort(Comparer);
        return list;
    }

    /// <summary>
    /// The version "@latest" should name: the highest release; else the highest pre-release; else the newest
    /// pseudo-version; null when there is no valid version.
    /// </summary>
    /// <remarks>
    /// Only canonical versions are considered (non-canonical strings such as "v1.2" are ignored). A "+incompatible"
    /// version counts as a release (or pre-release) of its number; between two versions of equal precedence the one
    /// without build metadata wins. Pseudo-versions are ranked by their timestamp, ties by semver precedence.
    /// </remarks>
    public static string? SelectLatest(IEnumerable<string> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        string? release = null, prerelease = null, pseudo = null;
        DateTimeOffset pseudoTime = default;
        foreach (var v in versions)
        {
            if (v is null || !Semver.IsCanonical(v))
            {
                continue;
            }

            if (PseudoVersion.TryGetTime(v, out var time))
            {
                if (pseudo is null || time > pseudoTime || (time == pseudoTime && PreferHigher(v, pseudo)))
                {
                    pseudo = v;
                    pseudoTime = time;
                }
            }
            else if (PseudoVersion.IsPseudoVersion(v))
            {
                // A pseudo-version whose timestamp is not a real date: never chosen.
            }
            else if (Semver.Prerelease(v).Length == 0)
            {
                if (release is null || PreferHigher(v, release))
                {
                    release = v;
                }
            }
            else if (prerelease is null || PreferHigher(v, prerelease))
            {
                prerelease = v;
            }
        }

        return release ?? prerelease ?? pseudo;
    }

    // True when candidate should replace current as the "highest".
    private static bool PreferHigher(string candidate, string current)
    {
        var c = Semver.Compare(candidate, current);
        if (c != 0)
        {
            return c > 0;
        }

        // Equal precedence: the one without build metadata, then the ordinally smaller (deterministic).
        var bc = Semver.Build(candidate).Length == 0;
        var bo = Semver.Build(current).Length == 0;
        if (bc != bo)
        {
            return bc;
        }

        return string.CompareOrdinal(candidate, current) < 0;
    }

    private static int CompareVersions(string? x, string? y)
    {
        var c = Semver.Compare(x ?? "", y ?? "");
        return c != 0 ? c : Math.Sign(string.CompareOrdinal(x, y));
    }
}
