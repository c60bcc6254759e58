using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Otlp;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

/// <summary>A cluster whose every service exports its telemetry over OTLP (http/protobuf) to an in-test receiver.</summary>
public sealed class TracingFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/cluster/traced";
    public const string Version = "v1.2.3";

    private OtlpReceiver? _receiver;

    public OtlpReceiver Receiver => _receiver ?? throw new InvalidOperationException("Not initialized.");

    // Two nodes and one fetcher: the fill of a cold miss can only go through the queue to that fetcher.
    protected override ClusterOptions Options => new() { Nodes = 2, Fetchers = 1, EnvironmentFor = Receiver.EnvironmentFor };

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front) => upstream.AddModule(Module, Version);

    public override async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }
}

/// <summary>What the services export over OTLP for a cold miss, and what they leave out.</summary>
public sealed class TracingTests(TracingFixture fixture, ITestOutputHelper output) : IClassFixture<TracingFixture>
{
    private const string ModulePath = "module.path";
    private const string ModuleVersion = "module.version";
    private static readonly string[] UntracedPaths = ["/health", "/alive", "/metrics"];

    [Fact]
    public async Task ColdMiss_ThroughGateway_OneTraceFromGatewayThroughNodeQueueAndFetcherToUpstream()
    {
        var cluster = fixture.Cluster;
        var receiver = fixture.Receiver;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        using var client = Http.NewClient(TimeSpan.FromSeconds(60));
        var services = cluster.Nodes.Concat(cluster.Fetchers).Append(cluster.Gateway).ToArray();

        // Scrapes and probes of every service, as Prometheus and Kubernetes would send them (the gateway's own active
        // probes of the nodes run every second all along).
        foreach (var service in services)
        {
            foreach (var path in new[] { "/metrics", "/health/ready", "/health/live", "/alive" })
            {
                await Http.GetAsync(client, service.Url + path);
            }
        }

        // The cold miss, through the gateway.
        var zipPath = ScriptedUpstream.UrlPath(TracingFixture.Module, $"@v/{TracingFixture.Version}.zip");
        var answer = await Http.GetAsync(client, cluster.Gateway.Url + zipPath);
        Assert.True(answer.Ok, $"{answer}{Environment.NewLine}{cluster.Diagnostics()}");

        // The fetcher's consumer span names the trace; wait until the whole chain of that trace has arrived.
        string? traceId = null;
        var complete = await receiver.WaitUntilAsync(
            spans =>
            {
                traceId ??= spans.FirstOrDefault(s => s.Kind == OtlpSpanKind.Consumer && s[ModulePath] == TracingFixture.Module && s["module.file"] == "zip")?.TraceId;
                return traceId is not null && Chain(spans.Where(s => s.TraceId == traceId).ToList(), zipPath) is null;
            },
            TimeSpan.FromSeconds(60));
        var trace = receiver.Spans.Where(s => s.TraceId == traceId).ToList();
        Assert.True(complete, $"the cold miss's trace is incomplete: {(traceId is null ? "no fetcher consumer span" : Chain(trace, zipPath))}{Environment.NewLine}{Describe(traceId is null ? receiver.Spans : trace)}");
        output.WriteLine(Describe(trace));

        // One trace: a single root (the gateway's server span), every other span's parent in the same trace.
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var root = Assert.Single(trace, s => !ids.Contains(s.ParentSpanId));
        Assert.Equal("gateway", root.Service);
        Assert.Equal(OtlpSpanKind.Server, root.Kind);

        // An expected 404 is not an error: the store's "does it exist?" HEAD answered 404 (the version was not there
        // yet), so did its reads of what was not there, and nothing in the trace failed.
        var existenceChecks = trace.Where(s => s.Kind == OtlpSpanKind.Client && s["http.request.method"] == "HEAD" && s["http.response.status_code"] == "404").ToList();
        Assert.NotEmpty(existenceChecks);
        Assert.All(existenceChecks, s => Assert.NotEqual(OtlpStatusCode.Error, s.Status));
        Assert.All(existenceChecks, s => Assert.Null(s["error.type"]));
        var failed = trace.Where(s => s.Status == OtlpStatusCode.Error).ToList();
        Assert.True(failed.Count == 0, $"spans of the cold miss failed:{Environment.NewLine}{Describe(failed)}");

        // Probes and scrapes made no spans. Every service has exported everything it recorded before a last request
        // it answered (each exporter sends its spans in the order they ended): the gateway and each node get one
        // request for a module that does not exist; the fetcher's fill spans came after its scrape.
        var markers = new List<(string Service, string Path)>();
        var index = 0;
        foreach (var target in cluster.Nodes.Append(cluster.Gateway))
        {
            var path = ScriptedUpstream.UrlPath($"example.com/cluster/marker{index++}", "@v/list");
            await Http.GetAsync(client, target.Url + path);
            markers.Add((target == cluster.Gateway ? "gateway" : target.Url, path));
        }

        Assert.True(
            await receiver.WaitUntilAsync(spans => markers.All(m => spans.Any(s => s.Kind == OtlpSpanKind.Server && s["url.path"] == m.Path)), TimeSpan.FromSeconds(30)),
            $"the marker requests' spans did not arrive{Environment.NewLine}{Describe(receiver.Spans.Where(s => s.Kind == OtlpSpanKind.Server))}");
        var untraced = receiver.Spans.Where(IsProbeOrScrape).ToList();
        Assert.True(untraced.Count == 0, $"probes or scrapes were traced:{Environment.NewLine}{Describe(untraced)}");

        // A GOPROXY 404 answered to a client is not an error of the server span either.
        var notFound = receiver.Spans.Where(s => s.Kind == OtlpSpanKind.Server && s["http.response.status_code"] is "404" or "410").ToList();
        Assert.NotEmpty(notFound);
        Assert.All(notFound, s => Assert.NotEqual(OtlpStatusCode.Error, s.Status));
        Assert.Empty(receiver.Failures);
    }

    /// <summary>
    /// What the cold miss's trace still lacks (null when complete): gateway server span → node server span → node
    /// producer span → fetcher consumer span (its child) → fetcher fill span → the fetcher's upstream call, with the
    /// module and version on the gateway, node, producer, consumer and fill spans.
    /// </summary>
    private static string? Chain(IReadOnlyList<OtlpSpan> trace, string zipPath)
    {
        // Connected: one root, every other parent arrived (a hedged second request may end after the first).
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var roots = trace.Where(s => !ids.Contains(s.ParentSpanId)).ToList();
        if (roots.Count != 1)
        {
            return $"{roots.Count} spans whose parent is not in the trace (yet)";
        }

        bool Named(OtlpSpan s) => s[ModulePath] == TracingFixture.Module && s[ModuleVersion] == TracingFixture.Version;
        var gateway = trace.FirstOrDefault(s => s.Service == "gateway" && s.Kind == OtlpSpanKind.Server && s["url.path"] == zipPath && Named(s));
        if (gateway is null)
        {
            return "no gateway server span for the zip with module attributes";
        }

        // A hedged request reaches a second node, which may join the first node's fill instead of sending a job: the
        // chain is followed from the span that did each step.
        var nodes = trace.Where(s => s.Service.StartsWith('n') && s.Kind == OtlpSpanKind.Server && s["url.path"] == zipPath && Named(s)).ToList();
        if (nodes.Count == 0)
        {
            return "no node server span for the zip with module attributes";
        }

        var sends = trace.Where(s => s.Kind == OtlpSpanKind.Producer && Named(s) && nodes.Any(n => n.Service == s.Service && n.SpanId == s.ParentSpanId)).ToList();
        if (sends.Count == 0)
        {
            return "no producer span (the fill job put on the queue) under a node's server span";
        }

        var processes = trace.Where(s => s.Service.StartsWith('f') && s.Kind == OtlpSpanKind.Consumer && Named(s) && sends.Any(p => p.SpanId == s.ParentSpanId)).ToList();
        if (processes.Count == 0)
        {
            return "no fetcher consumer span that is a child of a node's producer span";
        }

        var fills = trace.Where(s => s.Name == "fill" && Named(s) && processes.Any(c => c.Service == s.Service && c.SpanId == s.ParentSpanId)).ToList();
        if (fills.Count == 0)
        {
            return "no fill span under a fetcher's consumer span";
        }

        if (!trace.Any(s => s.Kind == OtlpSpanKind.Client && fills.Any(f => f.SpanId == s.ParentSpanId) &&
                (s["url.full"] ?? "").Contains($"/{s.Service}{zipPath}", StringComparison.Ordinal)))
        {
            return "no upstream call for the zip under the fetcher's fill span";
        }

        return null;
    }

    private static bool IsProbeOrScrape(OtlpSpan span)
    {
        var path = span["url.path"] ?? (Uri.TryCreate(span["url.full"], UriKind.Absolute, out var uri) ? uri.AbsolutePath : null) ?? span["http.route"] ?? "";
        return UntracedPaths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase) || path.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase));
    }

    private static string Describe(IEnumerable<OtlpSpan> spans) => string.Join(Environment.NewLine, spans.Select(s => s.ToString()));
}
