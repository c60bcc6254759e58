namespace ModMesh.Gateway;

/// <summary>Every log event id of the gateway, in one place.</summary>
internal static class EventIds
{
    public const int GoProxyUrl = 1;

    // Health, load balancing and forwarding: 100-199.
    public const int PassiveEjected = 100;
    public const int PassiveFailureCounted = 101;
    public const int ActiveEjected = 110;
    public const int ActiveReadmitted = 111;
    public const int RetryingOnAnotherNode = 120;
    public const int RetryNotPossible = 121;
    public const int InvalidClusterMetadata = 130;
    public const int Hedging = 140;
    public const int HedgeJudgeFailed = 141;
    public const int DrainSignalSeen = 150;

    // Admin calls (the access events are 6001-6003): 6011-6019.
    public const int AdminAllowed = 6011;
    public const int AdminRefused = 6012;
    public const int AdminCacheDropped = 6013;
    public const int AdminPurged = 6014;
}
