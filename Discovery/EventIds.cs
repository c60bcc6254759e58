namespace ModMesh.Discovery;

/// <summary>Every log event id of the discovery library, in one place.</summary>
internal static class EventIds
{
    public const int DestinationsChanged = 1;
    public const int StaticNodesRejected = 2;
    public const int ConsulQueryFailed = 10;
    public const int ConsulIndexReset = 11;
    public const int ConsulRegistered = 20;
    public const int ConsulRegistrationFailed = 21;
    public const int ConsulDeregistered = 22;
    public const int ConsulDeregistrationFailed = 23;
    public const int ConsulNoServerAddress = 24;
    public const int DnsQueryFailed = 30;
    public const int DnsEmptyAnswer = 31;
}
