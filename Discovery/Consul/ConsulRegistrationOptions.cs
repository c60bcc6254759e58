using System.ComponentModel.DataAnnotations;

namespace ModMesh.Discovery.Consul;

/// <summary>How a service registers itself; bound from "Consul" next to <see cref="ConsulOptions"/>.</summary>
public sealed class ConsulRegistrationOptions
{
    /// <summary>The Consul service name. Default: the one the service passes to AddConsulRegistration ("modmesh-cachenode", "modmesh-fetcher").</summary>
    [Required]
    public string ServiceName { get; set; } = "";

    /// <summary>The instance id. Default "{ServiceName}-{host name}-{port}".</summary>
    public string? ServiceId { get; set; }

    /// <summary>
    /// The address other services reach this one at (a Kubernetes pod IP, a host name). Default: the host the server
    /// listens on; when it listens on every interface, none is sent and Consul uses the agent node's address.
    /// </summary>
    public string? ServiceAddress { get; set; }

    /// <summary>Overrides the registered port. Default: the port the server actually listens on.</summary>
    [Range(1, 65535)]
    public int? ServicePort { get; set; }

    /// <summary>Tags of the registration. Default: none.</summary>
    public string[] Tags { get; set; } = [];

    /// <summary>Meta of the registration; "scheme" is added from the listening address unless set. Default: none.</summary>
    public Dictionary<string, string> Meta { get; set; } = [];

    /// <summary>The path of the HTTP check the agent runs. Default "/health/ready".</summary>
    [Required]
    public string CheckPath { get; set; } = "/health/ready";

    /// <summary>How often the agent runs the check. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one check may take. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consul removes the instance after its check has been critical this long. Default 1 min (Consul's minimum).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan DeregisterCriticalServiceAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>First pause after a failed registration; doubled per failure up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause between registration attempts. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
