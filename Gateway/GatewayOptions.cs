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
}
