namespace ModMesh.Coordination.Redis;

/// <summary>
/// Names and tuning of the Redis coordinators. The defaults give the cluster-wide names every ModMesh service must
/// agree on: locks <c>modmesh:lock:{resource}</c>, negative entries <c>modmesh:neg:{key}</c>, "filled" events on the
/// channel <c>modmesh:filled:{key}</c>, fill jobs on the stream <c>modmesh:fills</c> read by the group <c>fetchers</c>.
/// </summary>
public sealed class RedisCoordinationOptions
{
    /// <summary>Prefix of every key and channel. Default <c>"modmesh:"</c>; tests use a unique one per test.</summary>
    public string KeyPrefix { get; set; } = "modmesh:";

    /// <summary>The consumer group of the fill stream. Default <c>"fetchers"</c>.</summary>
    public string ConsumerGroup { get; set; } = "fetchers";

    /// <summary>Approximate cap of the fill stream (<c>XADD MAXLEN ~</c>). Default 100,000 jobs.</summary>
    public int StreamMaxLength { get; set; } = 100_000;

    /// <summary>
    /// How often <see cref="IFillQueue.ReadAsync"/> asks again while it waits for new jobs (StackExchange.Redis cannot
    /// block on <c>XREADGROUP</c>). Default 150 ms: the delay a waiting fetcher adds to a new job, at worst.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(150);

    internal string LockKey(string resource) => KeyPrefix + "lock:" + resource;

    internal string NegativeKey(string key) => KeyPrefix + "neg:" + key;

    internal string FilledChannel(string key) => KeyPrefix + "filled:" + key;

    internal string FillStream => KeyPrefix + "fills";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    internal void Validate()
    {
        if (ValidationError() is { } error)
        {
            throw new ArgumentException(error);
        }
    }

    /// <summary>The first invalid setting, or <c>null</c> when all are valid.</summary>
    internal string? ValidationError()
    {
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
