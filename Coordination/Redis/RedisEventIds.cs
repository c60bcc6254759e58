namespace ModMesh.Coordination.Redis;

/// <summary>Every log event id of the Redis coordinators, in one place.</summary>
internal static class RedisEventIds
{
    public const int MalformedFillEvent = 3101;
    public const int RejectedFillJob = 3102;
    public const int ConsumerGroupCreated = 3103;
    public const int TookOverDeadConsumer = 3104;
    public const int HeartbeatFailed = 3105;
    public const int HeartbeatRecovered = 3106;
    public const int WakeUpPublishFailed = 3107;
    public const int WakeUpSubscribeFailed = 3108;
    public const int NoticeNotShared = 3109;
}
