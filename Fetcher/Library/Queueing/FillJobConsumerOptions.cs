namespace ModMesh.Fetcher.Queueing;

/// <summary>How a fetcher takes jobs from the fill queue. Bound from "ModMesh:Fetcher".</summary>
public sealed class FillJobConsumerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:Fetcher";

    /// <summary>Fills this fetcher runs at once. Default 4.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// A job taken by a fetcher that neither finished nor acknowledged it for this long is given to another (the
    /// first one is presumed dead). Default 30 s.
    /// </summary>
    public TimeSpan ReclaimAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one read of the queue waits for a job. Default 2 s.</summary>
    public TimeSpan PollWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>This consumer's name in the queue's consumer group. Default: host name and process id.</summary>
    public string ConsumerName { get; set; } = "";
}
