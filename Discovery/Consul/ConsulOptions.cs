using System.ComponentModel.DataAnnotations;

namespace ModMesh.Discovery.Consul;

/// <summary>The Consul agent every ModMesh service talks to: configuration section "Consul".</summary>
public sealed class ConsulOptions
{
    public const string SectionName = "Consul";

    /// <summary>The local agent's HTTP API. Default "http://127.0.0.1:8500".</summary>
    [Required]
    public Uri Address { get; set; } = new("http://127.0.0.1:8500");

    /// <summary>ACL token sent as X-Consul-Token. Default: none.</summary>
    public string? Token { get; set; }

    /// <summary>Timeout of a non-blocking API call (register, deregister). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
