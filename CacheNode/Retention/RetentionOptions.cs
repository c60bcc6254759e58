namespace ModMesh.CacheNode.Retention;

/// <summary>
/// Retention of what the store holds, bound from "ModMesh:Retention" and validated at start. Off by default: a proxy
/// keeps everything it ever filled. When on, one node at a time (a lease) runs a pass every <see cref="Interval"/> that
/// removes module versions no one requested for <see cref="MaxUnusedAge"/>, cached list/@latest answers older than
/// <see cref="QueryMaxAge"/>, and checksum-database answers beyond <see cref="SumdbMaxAge"/> or
/// <see cref="SumdbMaxBytes"/>. Never removed: versions of paths matching ModMesh:Private (published private versions
/// are the only copy), versions this node is serving right now, and anything under <c>state/</c> (the verified tree
/// heads).
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:Retention";

    /// <summary>Whether passes run. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Whether a pass only reports what it would remove (to the log and <c>state/retention/last-report.json</c>). Default false.</summary>
    public bool DryRun { get; set; }

    /// <summary>How often a pass runs (on one node of the cluster). Default 6 h; at least 1 min.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long after a node starts its first pass may run. Default 5 min (at most <see cref="Interval"/>).</summary>
    public TimeSpan FirstPassDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A version no one requested for this long is removed (a version with no last-requested marker counts from its
    /// newest file's commit time). Default 90 days; at least 1 h.
    /// </summary>
    public TimeSpan MaxUnusedAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Whether nodes record when versions are requested (<c>state/used/...</c> markers). Default true, also while
    /// retention is off, so that turning retention on later does not remove versions in use: markers written for at
    /// least <see cref="MaxUnusedAge"/> before a first real pass are what makes it exact.
    /// </summary>
    public bool TrackRequests { get; set; } = true;

    /// <summary>
    /// A node rewrites a version's marker at most once per this interval (memory deduplicates in between). Default 1 h;
    /// at most a quarter of <see cref="MaxUnusedAge"/>. A pass treats a version as requested up to this long after its
    /// marker's time, so a version requested anywhere within <see cref="MaxUnusedAge"/> is never removed.
    /// </summary>
    public TimeSpan MarkerRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Cached list/@latest answers not rewritten for this long are removed. Default 30 days; zero keeps them.</summary>
    public TimeSpan QueryMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Checksum-database answers older than this are removed. Default zero: no age limit.</summary>
    public TimeSpan SumdbMaxAge { get; set; } = TimeSpan.Zero;

    /// <summary>When the checksum-database answers exceed this many bytes, the oldest are removed until they fit. Default 0: no limit.</summary>
    public long SumdbMaxBytes { get; set; }

    /// <summary>The most versions one pass removes (a bound on a mistaken setting's damage). Default 100,000.</summary>
    public int MaxVersionsPerPass { get; set; } = 100_000;

    /// <summary>The time to live of the pass's lease, renewed at a third of it while the pass runs. Default 2 min.</summary>
    public TimeSpan LeaseTimeToLive { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most versions named one by one in a report (the counts and bytes always cover all). Default 10,000.</summary>
    public int MaxReportedVersions { get; set; } = 10_000;

    /// <summary>Every problem with these settings (empty when they are usable).</summary>
    public IEnumerable<string> Problems()
    {
        if (Interval < TimeSpan.FromMinutes(1))
        {
            yield return "ModMesh:Retention:Interval must be at least 1 minute";
        }

        if (FirstPassDelay < TimeSpan.Zero)
        {
            yield return "ModMesh:Retention:FirstPassDelay must not be negative";
        }

        if (MaxUnusedAge < TimeSpan.FromHours(1))
        {
            yield return "ModMesh:Retention:MaxUnusedAge must be at least 1 hour";
        }

        if (MarkerRefreshInterval < TimeSpan.FromSeconds(1) || MarkerRefreshInterval > MaxUnusedAge / 4)
        {
            yield return "ModMesh:Retention:MarkerRefreshInterval must be from 1 second to a quarter of MaxUnusedAge (a version read anywhere recently must never look old)";
        }

        if (QueryMaxAge < TimeSpan.Zero || SumdbMaxAge < TimeSpan.Zero || SumdbMaxBytes < 0)
        {
            yield return "ModMesh:Retention:QueryMaxAge, SumdbMaxAge and SumdbMaxBytes must not be negative";
        }

        if (MaxVersionsPerPass < 1 || MaxReportedVersions < 0)
        {
            yield return "ModMesh:Retention:MaxVersionsPerPass must be at least 1 and MaxReportedVersions not negative";
        }

        if (LeaseTimeToLive < TimeSpan.FromSeconds(3))
        {
            yield return "ModMesh:Retention:LeaseTimeToLive must be at least 3 seconds";
        }

        if (Enabled && !TrackRequests)
        {
            yield return "ModMesh:Retention:TrackRequests must be on while retention is enabled (without markers every old version looks unused)";
        }
    }
}
