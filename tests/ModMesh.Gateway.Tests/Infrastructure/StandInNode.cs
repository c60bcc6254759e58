using System.Text;
using Microsoft.AspNetCore.Http;
using ModMesh.Protocol;
using ModMesh.ServiceDefaults.Draining;
using ModMesh.TestSupport.Http;

namespace ModMesh.Gateway.Tests.Infrastructure;

/// <summary>How a <see cref="StandInNode"/> answers GOPROXY requests.</summary>
public enum StandInMode
{
    Normal,

    /// <summary>503 with no blame header (an older or foreign node).</summary>
    ServiceUnavailable,
    NotFound,
    Hang,

    /// <summary>503 with <c>ModMesh-Failure: node</c> (the node's own condition, as a cache node sends it).</summary>
    NodeUnavailable,

    /// <summary>502 with <c>ModMesh-Failure: upstream</c> (the module's upstream failed, as a cache node sends it).</summary>
    UpstreamFailed,

    /// <summary>504 with <c>ModMesh-Failure: upstream</c> (the module's upstream timed out).</summary>
    UpstreamTimedOut,

    /// <summary>502 with no blame header (an older or foreign node).</summary>
    BadGateway,

    /// <summary>
    /// A grey failure: every request and every readiness probe is accepted and never answered (a stopped or wedged
    /// process whose socket still accepts connections).
    /// </summary>
    Frozen,

    /// <summary>As a draining cache node: normal answers carrying the drain signal; readiness 503 with the signal.</summary>
    Draining,

    /// <summary>
    /// Normal answers marked immutable (<c>Cache-Control: ... immutable</c>, an ETag), as a cache node sends committed
    /// module files.
    /// </summary>
    Immutable,

    /// <summary>An immutable-marked answer that declares 1,000 bytes, sends 10 and then drops the connection.</summary>
    TruncatedImmutable,
}

/// <summary>
/// A Kestrel "cache node" the test controls: /health/ready answers 200 (or 503 when <see cref="ReadinessFailing"/>),
/// every other path answers per <see cref="Mode"/> ("node:{name} {path}" when normal). Counts what it served.
/// </summary>
internal sealed class StandInNode : IAsyncDisposable
{
    private readonly LoopbackWebServer _server;
    private int _requests;
    private int _failed;

    private StandInNode(string name, LoopbackWebServer server)
    {
        Name = name;
        _server = server;
    }

    public string Name { get; }

    public string Url => _server.Url;

    private volatile StandInMode _mode;
    private volatile bool _readinessFailing;

    public StandInMode Mode { get => _mode; set => _mode = value; }

    public bool ReadinessFailing { get => _readinessFailing; set => _readinessFailing = value; }

    /// <summary>In <see cref="StandInMode.Draining"/>: whether readiness answers 503 with the drain signal (default) or stays 200.</summary>
    public bool DrainSignalOnProbes { get; set; } = true;

    /// <summary>When set, GOPROXY requests wait for this task before they are answered (a fill in progress).</summary>
    public Task? HoldAnswersUntil { get; set; }

    /// <summary>The <c>ModMesh-Internal-Key</c> of the last GOPROXY request received (null: none).</summary>
    public string? LastInternalKey { get; private set; }

    /// <summary>Whether the last GOPROXY request received carried an <c>Authorization</c> header.</summary>
    public bool LastHadAuthorization { get; private set; }

    /// <summary>GOPROXY requests received (any answer).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The ModMesh-User header of the last request (the gateway's word on who the user is), or null.</summary>
    public string? LastUser { get; private set; }

    /// <summary>The body of the last PUT.</summary>
    public byte[]? LastBody { get; private set; }

    /// <summary>When set, GET /index answers this NDJSON text.</summary>
    public string? IndexBody { get; set; }

    /// <summary>When set, GET /status.json answers this JSON text (a node's status report).</summary>
    public string? StatusBody { get; set; }

    /// <summary>Requests answered 502/503/504 or left hanging.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public static async Task<StandInNode> StartAsync(string name)
    {
        StandInNode? node = null;
        var server = await LoopbackWebServer.StartAsync(context => node!.HandleAsync(context));
        node = new StandInNode(name, server);
        return node;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/health") && Mode == StandInMode.Frozen)
        {
            await HangAsync(context);
            return;
        }

        if (context.Request.Path.StartsWithSegments("/health") && Mode == StandInMode.Draining && DrainSignalOnProbes)
        {
            context.Response.Headers[DrainSignal.HeaderName] = DrainSignal.Value;
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("draining");
            return;
        }

        if (context.Request.Path.StartsWithSegments("/health"))
        {
            context.Response.StatusCode = ReadinessFailing ? 503 : 200;
            await context.Response.WriteAsync(ReadinessFailing ? "draining" : "Healthy");
            return;
        }

        LastInternalKey = context.Request.Headers.TryGetValue(ModMesh.ServiceDefaults.Internal.InternalCalls.HeaderName, out var key) ? key.ToString() : null;
        LastHadAuthorization = context.Request.Headers.ContainsKey("Authorization");
        LastUser = context.Request.Headers.TryGetValue("ModMesh-User", out var user) ? user.ToString() : null;
        Interlocked.Increment(ref _requests);
        if (HttpMethods.IsPut(context.Request.Method))
        {
            using var received = new MemoryStream();
            await context.Request.Body.CopyToAsync(received, context.RequestAborted);
            LastBody = received.ToArray();
        }

        if (context.Request.Path.Equals("/index", StringComparison.Ordinal) && IndexBody is { } index)
        {
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.WriteAsync(index);
            return;
        }

        if (context.Request.Path.Equals("/status.json", StringComparison.Ordinal) && StatusBody is { } report)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(report);
            return;
        }

        if (HoldAnswersUntil is { } hold)
        {
            await hold.WaitAsync(context.RequestAborted);
        }

        switch (Mode)
        {
            case StandInMode.ServiceUnavailable:
                Interlocked.Increment(ref _failed);
                context.Response.StatusCode = 503;
                await context.Response.WriteAsync("unavailable");
                return;
            case StandInMode.NodeUnavailable:
                await FailAsync(context, 503, FailureBlame.Node, "overloaded");
                return;
            case StandInMode.UpstreamFailed:
                await FailAsync(context, 502, FailureBlame.Upstream, "upstream failed");
                return;
            case StandInMode.UpstreamTimedOut:
                await FailAsync(context, 504, FailureBlame.Upstream, "upstream timed out");
                return;
            case StandInMode.BadGateway:
                await FailAsync(context, 502, null, "bad gateway");
                return;
            case StandInMode.NotFound:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("not found");
                return;
            case StandInMode.Hang:
            case StandInMode.Frozen:
                Interlocked.Increment(ref _failed);
                await HangAsync(context);
                return;
            case StandInMode.Draining:
                context.Response.Headers[DrainSignal.HeaderName] = DrainSignal.Value;
                goto default;
            case StandInMode.Immutable:
                context.Response.Headers.CacheControl = ImmutableCacheControl;
                context.Response.Headers.ETag = $"\"{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(context.Request.Path.Value!)))[..16]}\"";
                goto default;
            case StandInMode.TruncatedImmutable:
                context.Response.Headers.CacheControl = ImmutableCacheControl;
                context.Response.ContentLength = 1000;
                await context.Response.Body.WriteAsync(new byte[10]);
                await context.Response.Body.FlushAsync();
                await Task.Delay(200); // let the headers and the first bytes leave before the connection drops
                context.Abort();
                return;
            default:
                var body = Encoding.UTF8.GetBytes($"node:{Name} {context.Request.Method} {context.Request.Path}");
                context.Response.ContentType = "text/plain";
                context.Response.ContentLength = body.Length;
                if (!HttpMethods.IsHead(context.Request.Method))
                {
                    await context.Response.Body.WriteAsync(body);
                }

                return;
        }
    }

    /// <summary>What a cache node sends with committed module files.</summary>
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    private static async Task HangAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FailAsync(HttpContext context, int status, string? blame, string text)
    {
        Interlocked.Increment(ref _failed);
        context.Response.StatusCode = status;
        if (blame is not null)
        {
            context.Response.Headers[FailureBlame.HeaderName] = blame;
        }

        await context.Response.WriteAsync(text);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
