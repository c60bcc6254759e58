using System.ComponentModel.DataAnnotations;

namespace ModMesh.Gateway;

/// <summary>Configuration section "Gateway".</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// Base URLs of the cache nodes, at least one in Static discovery mode (the default; see "Gateway:Discovery",
    /// checked by GatewayDiscoveryValidator). Either plain addresses ("http://127.0.0.1:3000")
    /// or service names resolved by service discovery ("http://cachenode", from <c>services__cachenode__http__0</c>).
    /// </summary>
    public string[] Nodes { get; set; } = [];

    /// <summary>
    /// YARP load-balancing policy between nodes. Default: "Rendezvous" (highest-random-weight hashing on the module
    /// path, so one module's requests meet the same node's local tier; the next node in rank when that one is out).
    /// Any YARP policy name works too ("PowerOfTwoChoices", "RoundRobin", ...).
    /// </summary>
    [Required]
    public string LoadBalancingPolicy { get; set; } = LoadBalancing.RendezvousLoadBalancingPolicy.PolicyName;

    /// <summary>
    /// How long a forwarded request may stay idle (no bytes either way) before it is cancelled. Default: 100 s
    /// (a node filling a miss from upstream may be silent that long). This is not a total timeout: a zip that
    /// keeps streaming is never cut.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How often each node's readiness is probed. Default 1 s: with <see cref="HealthProbeTimeout"/> 1 s and
    /// <see cref="HealthProbeTimeoutsToEject"/> 1, a node that accepts connections but no longer answers (frozen,
    /// stopped, wedged) is out within about 2 s. A probe costs the node one cheap request per gateway per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan HealthProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a probe may take before it counts as timed out. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HealthProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The path probed on each node. Default "/health/ready".</summary>
    public string HealthProbePath { get; set; } = "/health/ready";

    /// <summary>
    /// Consecutive failed probes (an error answer such as 503, a refused or reset connection) that take a node out.
    /// Default 3.
    /// </summary>
    [Range(1, 100)]
    public int HealthProbeFailuresToEject { get; set; } = 3;

    /// <summary>
    /// Consecutive probes without any answer within <see cref="HealthProbeTimeout"/> that take out a node that was
    /// answering. Default 1: a node that accepted the connection and then said nothing for a whole second is in a grey
    /// failure, and every request sent to it meanwhile stalls. (A node not yet heard from, as when the gateway starts,
    /// needs <see cref="HealthProbeFailuresToEject"/>.) A probe answered with the drain signal takes a node out at once too.
    /// </summary>
    [Range(1, 100)]
    public int HealthProbeTimeoutsToEject { get; set; } = 1;

    /// <summary>Consecutive successful probes that bring an ejected node back. Default 2.</summary>
    [Range(1, 100)]
    public int HealthProbeSuccessesToReadmit { get; set; } = 2;

    /// <summary>
    /// nginx <c>max_fails</c>: failed requests (transport errors, timeouts, 502/503/504 answers) within
    /// <see cref="FailTimeout"/> that take a node out for <see cref="FailTimeout"/>. Default 3. A cluster's metadata
    /// "MaxFails.Count" overrides it.
    /// </summary>
    [Range(1, 1000)]
    public int MaxFails { get; set; } = 3;

    /// <summary>
    /// nginx <c>fail_timeout</c>: the window failures are counted in, and how long a node that reached
    /// <see cref="MaxFails"/> stays out before it is tried again. Default 30 s. Cluster metadata
    /// "MaxFails.FailTimeout" overrides it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FailTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retry an idempotent request (GET, HEAD) once on the next healthy node when the first node failed before any
    /// byte reached the client (connection refused or reset, timeout, or a 502/503/504 answer). Default true.
    /// </summary>
    public bool RetryOnAnotherNode { get; set; } = true;

    /// <summary>
    /// Most connections the gateway opens to one node at a time; requests beyond it queue for a free connection.
    /// Default: unlimited (<see cref="int.MaxValue"/>). Note: .NET has no nginx-style "keepalive N" (a cap on
    /// idle connections kept); idle connections live until <see cref="PooledConnectionIdleTimeout"/>, so the idle
    /// pool shrinks to what the load needs on its own.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxConnectionsPerNode { get; set; } = int.MaxValue;

    /// <summary>An idle keep-alive connection to a node is closed after this long. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A connection is retired (after its current request) once it is this old, so DNS changes are picked up.
    /// Default 5 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Hedging of GET/HEAD requests a node leaves unanswered (no response headers): after a delay derived from recent
    /// latency, the same request also goes to the next node in rendezvous rank; the first good answer wins and the
    /// other request is cancelled.
    /// </summary>
    public HedgingOptions Hedging { get; set; } = new();

    /// <summary>
    /// The gateway's memory cache of immutable answers (committed <c>.info</c>, <c>.mod</c> and small <c>.zip</c>
    /// files, authenticated checksum tiles): a warm request for one of them never leaves the gateway.
    /// </summary>
    public GatewayCacheOptions Cache { get; set; } = new();

    /// <summary>A node that does not accept a TCP connection within this time counts as failed. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Configuration section "Gateway:Hedging" (see <see cref="GatewayOptions.Hedging"/>).</summary>
public sealed class HedgingOptions
{
    /// <summary>Whether requests are hedged at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The hedge delay is this multiple of the 95th percentile of recent time-to-headers of good answers (the last
    /// 256), bounded by <see cref="MinDelay"/> and <see cref="MaxDelay"/>. Default 2.
    /// </summary>
    public double LatencyMultiplier { get; set; } = 2;

    /// <summary>
    /// The shortest hedge delay. Default 250 ms: short enough that a request caught on a frozen node moves within a
    /// quarter of a second, long enough that a GC pause or a busy core does not double the traffic.
    /// </summary>
    public TimeSpan MinDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest hedge delay, also used until enough latencies are known. Default 1 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Hedges may add at most this share of requests, in percent (a token bucket: every request adds
    /// <c>BudgetPercent / 100</c> of a token, every hedge takes one). Default 10.
    /// </summary>
    public double BudgetPercent { get; set; } = 10;

    /// <summary>The token bucket's size: hedges allowed in a burst. Default 10.</summary>
    public int BudgetBurst { get; set; } = 10;

    /// <summary>
    /// A request whose node was taken out while it waited is moved to the next node whatever the budget says; this is
    /// how often a waiting request looks at its node's health. Default 50 ms.
    /// </summary>
    public TimeSpan MoveCheckInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// After a hedge won, the first request is given until this long after it was sent to answer anyway; if it has not
    /// answered by then (or failed), it is cancelled and counts as a failed request of its node (max_fails), so a node
    /// that hangs on requests while passing its probes is still taken out. Default 2 s.
    /// </summary>
    public TimeSpan UnansweredAfter { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Configuration section "Gateway:Cache" (see <see cref="GatewayOptions.Cache"/>).</summary>
public sealed class GatewayCacheOptions
{
    /// <summary>Whether the gateway keeps immutable answers in memory. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bytes the cache may hold in all (read at start). Default 128 MiB.</summary>
    public long MaxBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>The largest answer kept. Default 2 MiB: every .info and .mod, and the zips of small modules.</summary>
    public long MaxEntryBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>
    /// Bytes that answers being copied into the cache may hold at once (read at start); an answer beyond it streams
    /// through without a copy. Default 32 MiB.
    /// </summary>
    public long MaxCaptureBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// How long a request waits for a concurrent request of the same path that is already at a node before it goes to a
    /// node itself (nginx's <c>proxy_cache_lock_timeout</c>). Default 10 s.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
