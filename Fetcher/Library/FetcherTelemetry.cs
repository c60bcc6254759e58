using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ModMesh.Fetcher;

/// <summary>Activity source and meter of the fill path.</summary>
public static class FetcherTelemetry
{
    /// <summary>Name of the activity source and meter.</summary>
    public const string Name = "ModMesh.Fetcher";

    /// <summary>The node's producer span around putting a fill job on the queue (its context travels in the job).</summary>
    public const string SendSpanName = "fill job send";

    /// <summary>The fetcher's consumer span of one delivered fill job: a child of <see cref="SendSpanName"/>.</summary>
    public const string ProcessSpanName = "fill job";

    /// <summary>The span of one fill under its lock (fetch from the upstream, verify, commit), in a fetcher or a node.</summary>
    public const string FillSpanName = "fill";

    internal static readonly ActivitySource Source = new(Name);
    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> UpstreamRequests = Meter.CreateCounter<long>("modmesh.upstream.requests", description: "Requests sent to upstream proxies, by status.");
    internal static readonly Counter<long> Fills = Meter.CreateCounter<long>("modmesh.fills", description: "Fills run by this process, by outcome.");
    internal static readonly Counter<long> FilledBytes = Meter.CreateCounter<long>("modmesh.fill.bytes", unit: "By", description: "Bytes committed by fills.");
    internal static readonly Counter<long> JobsEnqueued = Meter.CreateCounter<long>("modmesh.fill.jobs.enqueued", description: "Fill jobs put on the queue by cache nodes.");
    internal static readonly Counter<long> JobsDone = Meter.CreateCounter<long>("modmesh.fill.jobs.done", description: "Fill jobs completed by fetchers, by outcome and delivery.");
    internal static readonly Counter<long> JobsRefused = Meter.CreateCounter<long>("modmesh.fill.jobs.refused", description: "Fill jobs refused by fetchers because they failed validation.");
    internal static readonly Histogram<double> FillDuration = Meter.CreateHistogram<double>("modmesh.fill.duration", unit: "s", description: "Duration of fills run by this process.");
}
