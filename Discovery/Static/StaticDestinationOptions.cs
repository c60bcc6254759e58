namespace ModMesh.Discovery.Static;

/// <summary>The configured node list; the gateway binds it from "Gateway" (key "Nodes").</summary>
public sealed class StaticDestinationOptions
{
    /// <summary>
    /// Base URLs of the cache nodes: addresses ("http://127.0.0.1:3000") or service-discovery names
    /// ("http://cachenode", expanded by Aspire's service discovery in the gateway).
    /// </summary>
    public string[] Nodes { get; set; } = [];
}
