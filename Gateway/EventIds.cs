namespace ModMesh.Gateway;

/// <summary>Every log event id of the gateway, in one place.</summary>
internal static class EventIds
{
    public const int GoProxyUrl = 1;
}
