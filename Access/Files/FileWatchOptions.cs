namespace ModMesh.Access;

/// <summary>How a live-reloaded tokens or rules file notices changes.</summary>
public sealed class FileWatchOptions
{
    /// <summary>
    /// Whether to watch the file's folder with a <see cref="FileSystemWatcher"/> (default true). The periodic check runs
    /// either way, as a fallback for file systems that report nothing (network mounts, some container volumes).
    /// </summary>
    public bool UseFileSystemWatcher { get; set; } = true;

    /// <summary>
    /// How often the file is read and compared with the loaded version (default 2 s);
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the periodic check off. The check reads the file rather than trusting
    /// its size and time: a Kubernetes <c>..data</c> symlink swap can leave both unchanged.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long new content must stay the same before it is applied (default 250 ms), so that a file being written in
    /// place is not taken half-written. Zero applies new content as soon as it is seen.
    /// </summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Files larger than this are refused (default 4 MiB): tokens and rules files are small.</summary>
    public int MaxFileBytes { get; set; } = 4 * 1024 * 1024;

    internal void Validate()
    {
        if (PollInterval != Timeout.InfiniteTimeSpan && PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "Must be positive, or Timeout.InfiniteTimeSpan to turn the periodic check off.");
        }

        if (SettleTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SettleTime), SettleTime, "Must not be negative.");
        }

        if (MaxFileBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "Must be positive.");
        }
    }
}
