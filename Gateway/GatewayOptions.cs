using System.ComponentModel.DataAnnotations;

namespace ModMesh.Gateway;

/// <summary>Configuration section "Gateway".</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// Base URLs of the cache nodes, at least one. Either plain addresses ("http://127.0.0.1:3000")
    /// or service names resolved by service discovery ("http://cachenode", from <c>services__cachenode__http__0</c>).
    /// </summary>
    [Required, MinLength(1)]
    public string[] Nodes { get; set; } = [];

    /// <summary>
    /// YARP load-balancing policy between nodes. Default: "PowerOfTwoChoices" (fewest in-flight requests of two
    /// random nodes). Rendezvous hashing on the module path replaces it in a later issue.
    /// </summary>
    [Required]
    public string LoadBalancingPolicy { get; set; } = Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.PowerOfTwoChoices;

    /// <summary>
    /// How long a forwarded request may stay idle (no bytes either way) before it is cancelled. Default: 100 s
    /// (a node filling a miss from upstream may be silent that long). This is not a total timeout: a zip that
    /// keeps streaming is never cut.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How often each node's readiness is probed. Default 5 s.</summary>
    public TimeSpan HealthProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a probe may take. Default 2 s.</summary>
    public TimeSpan HealthProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The path probed on each node. Default "/health/ready".</summary>
    public string HealthProbePath { get; set; } = "/health/ready";
}
