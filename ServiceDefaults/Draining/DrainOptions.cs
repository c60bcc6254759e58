namespace ModMesh.ServiceDefaults.Draining;

/// <summary>Configuration section "Drain": graceful shutdown of every ModMesh service.</summary>
public sealed class DrainOptions
{
    public const string SectionName = "Drain";

    /// <summary>
    /// How long the service keeps serving, with <c>/health/ready</c> failing, after it is asked to stop and before
    /// the server stops accepting requests. Long enough for the gateway's probes to take the node out (interval ×
    /// failures to eject) or for its passive checks and retries to move traffic. Default: 5 s in Production,
    /// 0 in Development (in-process test hosts stop at once). Set "Drain:Delay" to override.
    /// </summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>
    /// After the delay, how long requests in flight get to finish before they are cut. Default 30 s. The host's
    /// <c>HostOptions.ShutdownTimeout</c> is set to <see cref="Delay"/> plus this.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The drain delay used when <see cref="Delay"/> is not configured, by environment.</summary>
    public static TimeSpan DefaultDelay(bool isDevelopment) => isDevelopment ? TimeSpan.Zero : TimeSpan.FromSeconds(5);
}
