using System.ComponentModel.DataAnnotations;

namespace ModMesh.Discovery;

/// <summary>How destinations are discovered. The gateway binds it from "Gateway:Discovery".</summary>
public sealed class DiscoveryOptions
{
    /// <summary>Which source: <see cref="DiscoveryMode.Static"/> (default), Consul or Dns.</summary>
    public DiscoveryMode Mode { get; set; } = DiscoveryMode.Static;

    /// <summary>Settings of <see cref="DiscoveryMode.Consul"/> (the agent's address and token are in "Consul").</summary>
    public ConsulDiscoveryOptions Consul { get; set; } = new();

    /// <summary>Settings of <see cref="DiscoveryMode.Dns"/>.</summary>
    public DnsDiscoveryOptions Dns { get; set; } = new();
}

public enum DiscoveryMode
{
    /// <summary>The configured node list ("Gateway:Nodes"), reloaded when the configuration changes.</summary>
    Static,

    /// <summary>Healthy instances of a Consul service, watched with blocking queries.</summary>
    Consul,

    /// <summary>A/AAAA or SRV records of a DNS name (a Kubernetes headless service), re-resolved periodically.</summary>
    Dns,
}

/// <summary>"Gateway:Discovery:Consul".</summary>
public sealed class ConsulDiscoveryOptions
{
    /// <summary>The Consul service whose passing instances are the destinations. Default "modmesh-cachenode".</summary>
    [Required]
    public string Service { get; set; } = "modmesh-cachenode";

    /// <summary>How long one blocking query may wait for a change (Consul caps it at 10 min). Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// URL scheme of an instance whose registration has no "scheme" entry in its Meta. Default "http".
    /// </summary>
    [Required, RegularExpression("^https?$")]
    public string Scheme { get; set; } = "http";

    /// <summary>First pause after a failed query; doubled per consecutive failure up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause between failed queries. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>"Gateway:Discovery:Dns".</summary>
public sealed class DnsDiscoveryOptions
{
    /// <summary>The name to resolve, e.g. "modmesh-cachenode.modmesh.svc.cluster.local". Required in Dns mode.</summary>
    public string? Name { get; set; }

    /// <summary>The nodes' port for A/AAAA records (SRV records carry their own). Default 8080.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 8080;

    /// <summary>Resolve SRV records (target host and port per instance) instead of A/AAAA. Default false.</summary>
    public bool Srv { get; set; }

    /// <summary>URL scheme of the destinations. Default "http".</summary>
    [Required, RegularExpression("^https?$")]
    public string Scheme { get; set; } = "http";

    /// <summary>How often the name is re-resolved; a record TTL below it wins (never below 1 s). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one DNS query may take. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// DNS servers to ask, as "ip" or "ip:port" (default port 53). Default: none, meaning the system's resolvers.
    /// </summary>
    public string[] Servers { get; set; } = [];
}
