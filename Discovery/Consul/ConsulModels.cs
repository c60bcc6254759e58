using System.Text.Json.Serialization;

namespace ModMesh.Discovery.Consul;

/// <summary>Body of PUT /v1/agent/service/register (the fields ModMesh uses; names as Consul spells them).</summary>
public sealed class ConsulServiceRegistration
{
    public string? ID { get; set; }

    public required string Name { get; set; }

    public string[]? Tags { get; set; }

    /// <summary>Empty or absent: Consul uses the agent node's address.</summary>
    public string? Address { get; set; }

    public int? Port { get; set; }

    public Dictionary<string, string>? Meta { get; set; }

    public ConsulCheckDefinition? Check { get; set; }
}

/// <summary>A service check; durations are Go duration strings ("5s", "1m").</summary>
public sealed class ConsulCheckDefinition
{
    public string? HTTP { get; set; }

    public string? Method { get; set; }

    public string? Interval { get; set; }

    public string? Timeout { get; set; }

    public string? DeregisterCriticalServiceAfter { get; set; }

    /// <summary>Initial status ("passing", "warning", "critical"); Consul's default is critical until the check ran.</summary>
    public string? Status { get; set; }
}

/// <summary>One element of GET /v1/health/service/{name}.</summary>
public sealed class ConsulServiceEntry
{
    public ConsulNode Node { get; set; } = new();

    public ConsulAgentService Service { get; set; } = new();

    public List<ConsulHealthCheck> Checks { get; set; } = [];
}

public sealed class ConsulNode
{
    public string? ID { get; set; }

    public string Node { get; set; } = "";

    public string Address { get; set; } = "";

    public string? Datacenter { get; set; }
}

public sealed class ConsulAgentService
{
    public string ID { get; set; } = "";

    public string Service { get; set; } = "";

    public string[]? Tags { get; set; }

    public string Address { get; set; } = "";

    public int Port { get; set; }

    public Dictionary<string, string>? Meta { get; set; }
}

public sealed class ConsulHealthCheck
{
    public string? Node { get; set; }

    public string CheckID { get; set; } = "";

    public string? Name { get; set; }

    public string Status { get; set; } = "";

    public string? Output { get; set; }

    public string? ServiceID { get; set; }

    public string? ServiceName { get; set; }
}

/// <summary>A blocking query's answer: the body and the X-Consul-Index to pass as <c>index</c> next time.</summary>
public sealed record ConsulQueryResult<T>(T Value, ulong Index);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConsulServiceRegistration))]
[JsonSerializable(typeof(List<ConsulServiceEntry>))]
internal sealed partial class ConsulJsonContext : JsonSerializerContext;
