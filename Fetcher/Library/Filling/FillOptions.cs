using System.ComponentModel.DataAnnotations;

namespace ModMesh.Fetcher.Filling;

/// <summary>How fills run. Bound from "ModMesh:Fill".</summary>
public sealed class FillOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:Fill";

    /// <summary>The most the fill of one file may take; it runs under its own token. Default 10 min.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a client request waits for a fill before it gets 503 with Retry-After (the fill goes on).
    /// Default 2 min.
    /// </summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Time to live of the per-version fill lock; renewed every third of it while the fill runs. Default 6 s (renewed
    /// every 2 s): a filler that died blocks the next one (which waits one lifetime, then tries again) for seconds,
    /// not half a minute, and a lock holder must lose Redis for 4 s in a row before it can lose the lock.
    /// </summary>
    public TimeSpan LockTimeToLive { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How long an upstream "not found" for a file is remembered. Default 1 min.</summary>
    public TimeSpan NotFoundTimeToLive { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a refused fill (content that failed the checks: zip rules, sizes, JSON, checksums) is remembered, so a
    /// large refused zip is not downloaded again for every request. Transient failures (upstream errors, timeouts)
    /// are not remembered. Default 1 min; zero turns it off.
    /// </summary>
    public TimeSpan RejectedTimeToLive { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most fills running at once in this process (a node in local mode, or a fetcher). Each holds at most one spool
    /// file and a small buffer in memory. Default 16.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentFills { get; set; } = 16;

    /// <summary>How long a fill waits for one of <see cref="MaxConcurrentFills"/> before it is refused as overloaded (503). Default 15 s.</summary>
    public TimeSpan FillSlotWait { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest module zip accepted (the go command's own limit is 500 MiB). Default 500 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxZipBytes { get; set; } = 500L << 20;

    /// <summary>Largest go.mod accepted (the go command's limit is 16 MiB). Default 16 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxModBytes { get; set; } = 16L << 20;

    /// <summary>Largest .info accepted. Default 64 KiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxInfoBytes { get; set; } = 64L << 10;

    /// <summary>
    /// Local folder where a zip is spooled and checked before it is written to the store. Default: "modmesh-spool"
    /// under the system temp folder.
    /// </summary>
    public string SpoolPath { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Timeout <= TimeSpan.Zero || WaitTimeout <= TimeSpan.Zero || LockTimeToLive < TimeSpan.FromSeconds(1) || NotFoundTimeToLive < TimeSpan.Zero ||
            RejectedTimeToLive < TimeSpan.Zero || FillSlotWait < TimeSpan.Zero)
        {
            yield return new ValidationResult("ModMesh:Fill durations must be positive (LockTimeToLive at least 1 s).");
        }
    }
}
