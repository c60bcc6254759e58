namespace ModMesh.Gateway;

/// <summary>Names of the gateway's meter and instruments (collected through ServiceDefaults' "ModMesh.*" filter).</summary>
public static class GatewayTelemetry
{
    /// <summary>The gateway's meter.</summary>
    public const string MeterName = "ModMesh.Gateway";

    /// <summary>TCP connections the forwarder opened to nodes (probes included). Tags: server.address, server.port.</summary>
    public const string ConnectionsOpened = "modmesh.gateway.connections.opened";

    /// <summary>Requests retried on another node. Tag: reason ("transport", "timeout", "status").</summary>
    public const string Retries = "modmesh.gateway.retries";

    /// <summary>
    /// Requests also sent to a second node because the first had not answered. Tags: reason ("slow": the hedge delay
    /// passed; "moved": the first node was taken out), winner ("hedge", "first", "none").
    /// </summary>
    public const string Hedges = "modmesh.gateway.hedges";

    /// <summary>Times a node was taken out at once because its answer carried the drain signal.</summary>
    public const string DrainEjections = "modmesh.gateway.drain.ejections";

    /// <summary>Module file requests looked up in the gateway's memory cache. Tag: result ("hit", "miss").</summary>
    public const string CacheLookups = "modmesh.gateway.cache.lookups";

    /// <summary>Bytes the gateway's memory cache holds.</summary>
    public const string CacheBytes = "modmesh.gateway.cache.bytes";

    /// <summary>Times a node was taken out by the passive (max_fails) policy.</summary>
    public const string PassiveEjections = "modmesh.gateway.passive.ejections";

    /// <summary>Cache nodes in service at this gateway (neither the active nor the passive health check has them out).</summary>
    public const string NodesHealthy = "modmesh.gateway.nodes.healthy";

    /// <summary>Cache nodes this gateway knows, in service or not.</summary>
    public const string Nodes = "modmesh.gateway.nodes";
}
