namespace ModMesh.CacheNode.Retention;

/// <summary>
/// What a retention pass removed, or (a dry run) would remove: written to <c>state/retention/last-report.json</c> and
/// summed up in the log. Counts and bytes always cover everything; the lists name at most
/// <see cref="RetentionOptions.MaxReportedVersions"/> entries each (then <see cref="Truncated"/>).
/// </summary>
public sealed record RetentionReport
{
    /// <summary>When the pass started (the node's clock).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset FinishedAt { get; init; }

    /// <summary>True when nothing was deleted (ModMesh:Retention:DryRun).</summary>
    public bool DryRun { get; init; }

    /// <summary>The node that ran the pass (its host name).</summary>
    public string Node { get; init; } = "";

    /// <summary>The settings the pass used.</summary>
    public string MaxUnusedAge { get; init; } = "";

    /// <summary>False when the pass stopped early (<see cref="StoppedBecause"/> says why).</summary>
    public bool Completed { get; init; }

    /// <summary>Why the pass stopped early, or null.</summary>
    public string? StoppedBecause { get; init; }

    /// <summary>Module versions removed.</summary>
    public RetentionCount Versions { get; init; } = new(0, 0);

    /// <summary>Cached list/@latest answers removed.</summary>
    public RetentionCount Queries { get; init; } = new(0, 0);

    /// <summary>Checksum-database answers removed.</summary>
    public RetentionCount Sumdb { get; init; } = new(0, 0);

    /// <summary>Versions looked at and kept because they were requested (or committed) within MaxUnusedAge.</summary>
    public int KeptRecent { get; init; }

    /// <summary>Versions kept because their path matches ModMesh:Private.</summary>
    public int KeptPrivate { get; init; }

    /// <summary>Versions kept because this node was serving them.</summary>
    public int KeptInFlight { get; init; }

    /// <summary>The versions removed, oldest request first is not promised: in store order.</summary>
    public IReadOnlyList<RetentionVersion> RemovedVersions { get; init; } = [];

    /// <summary>The query answers removed ("module@list", "module@latest").</summary>
    public IReadOnlyList<string> RemovedQueries { get; init; } = [];

    /// <summary>The checksum-database answers removed (store keys below sumdb/).</summary>
    public IReadOnlyList<string> RemovedSumdb { get; init; } = [];

    /// <summary>True when a list was cut at MaxReportedVersions.</summary>
    public bool Truncated { get; init; }
}

/// <summary>How many and how many bytes.</summary>
public sealed record RetentionCount(int Count, long Bytes);

/// <summary>One version removed by a pass.</summary>
/// <param name="Module">The module path.</param>
/// <param name="Version">The version.</param>
/// <param name="LastRequested">The latest time it may have been requested (marker plus refresh interval, or its newest commit).</param>
/// <param name="Files">The files removed ("zip", "mod", "info").</param>
/// <param name="Bytes">Their bytes.</param>
public sealed record RetentionVersion(string Module, string Version, DateTimeOffset LastRequested, IReadOnlyList<string> Files, long Bytes);
