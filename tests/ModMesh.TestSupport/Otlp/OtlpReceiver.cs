using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using ModMesh.TestSupport.Http;

namespace ModMesh.TestSupport.Otlp;

/// <summary>
/// An OTLP/HTTP receiver on 127.0.0.1 (http/protobuf): keeps every span posted to <c>/v1/traces</c>, decoded by
/// <see cref="OtlpTraceDecoder"/>, and accepts (and drops) metrics and logs. Point a service at it with
/// <see cref="EnvironmentFor"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private LoopbackWebServer? _server;
    private int _traceExports;

    private OtlpReceiver()
    {
    }

    /// <summary>"http://127.0.0.1:port": the OTEL_EXPORTER_OTLP_ENDPOINT of the services.</summary>
    public string Url => _server?.Url ?? throw new InvalidOperationException("Not started.");

    /// <summary>Every span received so far, in arrival order.</summary>
    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    /// <summary>How many trace export requests arrived.</summary>
    public int TraceExports => Volatile.Read(ref _traceExports);

    /// <summary>Export requests that could not be decoded (a test asserts there are none).</summary>
    public IReadOnlyList<string> Failures => [.. _failures];

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._server = await LoopbackWebServer.StartAsync(receiver.HandleAsync).ConfigureAwait(false);
        return receiver;
    }

    /// <summary>
    /// The OTEL_* variables that make a service export here over http/protobuf as <paramref name="serviceName"/>:
    /// spans exported every 100 ms, metrics rarely (they are not looked at).
    /// </summary>
    public IReadOnlyDictionary<string, string?> EnvironmentFor(string serviceName) => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Url,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = serviceName,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
    };

    /// <summary>Waits until <paramref name="condition"/> holds over the spans received so far; false when the time ran out.</summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<OtlpSpan>, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (condition(Spans))
            {
                return true;
            }

            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        Stream source = context.Request.Body;
        if (string.Equals(context.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            source = new GZipStream(source, CompressionMode.Decompress);
        }

        await source.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        if (context.Request.Path == "/v1/traces")
        {
            try
            {
                foreach (var span in OtlpTraceDecoder.Decode(body.GetBuffer().AsSpan(0, (int)body.Length)))
                {
                    _spans.Enqueue(span);
                }

                Interlocked.Increment(ref _traceExports);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
            {
                _failures.Enqueue($"{body.Length} bytes: {ex.Message}");
            }
        }

        // An empty Export*ServiceResponse: everything accepted.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
    }
}
