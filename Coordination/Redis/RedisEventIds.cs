namespace ModMesh.Coordination.Redis;

/// <summary>Every log event id of the Redis coordinators, in one place.</summary>
internal static class RedisEventIds
{
    public const int MalformedFillEvent = 3101;
    public const int MalformedFillJob = 3102;
    public const int ConsumerGroupCreated = 3103;
}
