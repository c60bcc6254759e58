namespace ModMesh.ServiceDefaults.Draining;

/// <summary>Configuration section "Drain": graceful shutdown of every ModMesh service.</summary>
public sealed class DrainOptions
{
    public const string SectionName = "Drain";

    /// <summary>
    /// How long the service keeps serving, with <c>/health/ready</c> failing and every answer carrying the drain
    /// signal (<see cref="DrainSignal.HeaderName"/>), after it is asked to stop and before the server stops accepting
    /// requests. The slowest way a gateway learns of the drain is its next probe (an interval plus the probe's time:
    /// about 2 s with the gateway's defaults of 1 s and 1 s); under traffic the first answer does it at once. Default:
    /// 5 s in Production, which covers that and leaves Kubernetes time to update its endpoints; 0 in Development
    /// (in-process test hosts stop at once). Set "Drain:Delay" to override.
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
