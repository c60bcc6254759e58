namespace ModMesh.CacheNode.Queries;

/// <summary>How mutable answers (list, @latest, non-canonical .info) are cached. Bound from "ModMesh:Cache".</summary>
public sealed class QueryCacheOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:Cache";

    /// <summary>How long a list/@latest/query answer is fresh; after that it is served stale while a refresh runs. Default 1 min.</summary>
    public TimeSpan QueryTimeToLive { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an upstream "not found" for a list/@latest/query is remembered. Default 30 s.</summary>
    public TimeSpan NotFoundTimeToLive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Memory budget of cached answers to .info queries (branch names, version prefixes: "@v/master.info"). They are
    /// kept in memory only, least recently used out first, never in the store: anyone can invent such queries.
    /// Default 8 MiB.
    /// </summary>
    public long InfoQueryBudgetBytes { get; set; } = 8L << 20;

    /// <summary>The most a background refresh may take. Default 1 min.</summary>
    public TimeSpan RefreshTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
