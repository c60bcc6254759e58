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

    /// <summary>Times a node was taken out by the passive (max_fails) policy.</summary>
    public const string PassiveEjections = "modmesh.gateway.passive.ejections";
}
