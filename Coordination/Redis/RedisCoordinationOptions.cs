namespace ModMesh.Coordination.Redis;

/// <summary>
/// Names and tuning of the Redis coordinators. The defaults give the cluster-wide names every ModMesh service must
/// agree on: locks <c>modmesh:lock:{resource}</c>, negative entries <c>modmesh:neg:{key}</c>, "filled" events on the
/// channel <c>modmesh:filled:{key}</c>, fill jobs on the stream <c>modmesh:fills</c> read by the group <c>fetchers</c>,
/// the wake-up of waiting readers on the channel <c>modmesh:fills:added</c>, consumer heartbeats <c>modmesh:alive:fetchers:{consumer}</c> and the set of heartbeating consumers
/// <c>modmesh:consumers:fetchers</c>. Under a host they are bound from "ModMesh:Coordination"
/// (<see cref="SectionName"/>) and validated at start-up.
/// </summary>
public sealed class RedisCoordinationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:Coordination";

    /// <summary>Prefix of every key and channel. Default <c>"modmesh:"</c>; tests use a unique one per test.</summary>
    public string KeyPrefix { get; set; } = "modmesh:";

    /// <summary>The consumer group of the fill stream. Default <c>"fetchers"</c>.</summary>
    public string ConsumerGroup { get; set; } = "fetchers";

    /// <summary>Approximate cap of the fill stream (<c>XADD MAXLEN ~</c>). Default 100,000 jobs.</summary>
    public int StreamMaxLength { get; set; } = 100_000;

    /// <summary>
    /// How often <see cref="IFillQueue.ReadAsync"/> asks again while it waits for new jobs (StackExchange.Redis cannot
    /// block on <c>XREADGROUP</c>). A waiting reader normally wakes at once on the notice every enqueue publishes
    /// (<c>modmesh:fills:added</c>); polling is the fallback when that notice is lost (Redis restarting, the
    /// subscription not up yet), and the time a dead consumer's jobs wait for the next look. Default 150 ms: the delay
    /// a waiting fetcher adds to a new job when the notice is lost, at worst.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// The key that signs fill jobs (HMAC-SHA256, see <see cref="FillJobSigner"/>): base64 of at least 32 random bytes,
    /// the same on every cache node and fetcher (<c>ModMesh:Coordination:JobSigningKey</c>, e.g. the environment
    /// variable <c>ModMesh__Coordination__JobSigningKey</c> from a Kubernetes Secret). No default: the fill queue
    /// refuses to start without it. Make one with <c>openssl rand -base64 32</c>.
    /// </summary>
    public string JobSigningKey { get; set; } = "";

    /// <summary>
    /// How long a fetcher's heartbeat key lives without being refreshed. A consumer whose heartbeat is gone is dead:
    /// its pending jobs are taken over at once by the next reader, not after the reclaim time. Default 3 s.
    /// </summary>
    public TimeSpan ConsumerHeartbeatTimeToLive { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a live consumer refreshes its heartbeat; less than half the time to live. Default 1 s.</summary>
    public TimeSpan ConsumerHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal string LockKey(string resource) => KeyPrefix + "lock:" + resource;

    internal string NegativeKey(string key) => KeyPrefix + "neg:" + key;

    internal string FilledChannel(string key) => KeyPrefix + "filled:" + key;

    internal string FillStream => KeyPrefix + "fills";

    /// <summary>The pub/sub channel an enqueue publishes on after its <c>XADD</c>, to wake waiting readers.</summary>
    internal string FillAddedChannel => FillStream + ":added";

    internal string HeartbeatKey(string consumer) => KeyPrefix + "alive:" + ConsumerGroup + ":" + consumer;

    internal string ConsumersKey => KeyPrefix + "consumers:" + ConsumerGroup;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    internal void Validate(bool requireSigningKey = false)
    {
        if (ValidationError(requireSigningKey) is { } error)
        {
            throw new ArgumentException(error);
        }
    }

    /// <summary>The first invalid setting, or <c>null</c> when all are valid.</summary>
    internal string? ValidationError(bool requireSigningKey = false)
    {
        if ((requireSigningKey || !string.IsNullOrWhiteSpace(JobSigningKey))
            && !FillJobSigner.TryParseKey(JobSigningKey, out _, out var keyError))
        {
            return $"{SectionName}:JobSigningKey: {keyError}. With Redis coordination (ConnectionStrings:redis) every cache "
                + "node and fetcher needs the same key to sign and check fill jobs: a base64 string of at least "
                + $"{FillJobSigner.MinimumKeyBytes} random bytes (`openssl rand -base64 32`), given as configuration or as the "
                + "environment variable ModMesh__Coordination__JobSigningKey (in Kubernetes from the Secret modmesh-job-signing).";
        }

        if (ConsumerHeartbeatTimeToLive < TimeSpan.FromMilliseconds(100) || ConsumerHeartbeatInterval <= TimeSpan.Zero
            || ConsumerHeartbeatInterval * 2 > ConsumerHeartbeatTimeToLive)
        {
            return "RedisCoordinationOptions.ConsumerHeartbeatInterval must be positive and at most half of ConsumerHeartbeatTimeToLive (at least 100 ms).";
        }

        if (string.IsNullOrEmpty(KeyPrefix))
        {
            return "RedisCoordinationOptions.KeyPrefix must not be empty.";
        }

        if (string.IsNullOrEmpty(ConsumerGroup))
        {
            return "RedisCoordinationOptions.ConsumerGroup must not be empty.";
        }

        if (StreamMaxLength <= 0)
        {
            return "RedisCoordinationOptions.StreamMaxLength must be positive.";
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromSeconds(10))
        {
            return "RedisCoordinationOptions.PollInterval must be more than 0 and at most 10 s.";
        }

        return null;
    }
}
