using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModMesh.Cluster.Tests.Infrastructure;

/// <summary>
/// A loopback reverse proxy in front of a test upstream that tells the cluster's services apart: each service gets
/// its own GOPROXY base "{Url}/{client}" (e.g. "/f0" for fetcher 0), and the front forwards "/{client}/rest" to
/// "{target}/rest", recording every transfer (who, what, bytes so far, finished or cut) and optionally throttling
/// the bodies of chosen paths. So a test sees which fetcher is transferring a zip right now.
/// </summary>
public sealed class UpstreamFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _target;
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = int.MaxValue,
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private readonly ConcurrentQueue<Transfer> _transfers = new();
    private readonly ConcurrentDictionary<string, long> _throttles = new(StringComparer.Ordinal);

    private UpstreamFront(WebApplication app, string target)
    {
        _app = app;
        _target = target.TrimEnd('/');
        app.Run(HandleAsync);
    }

    /// <summary>"http://127.0.0.1:port".</summary>
    public string Url { get; private set; } = "";

    /// <summary>Every transfer so far, oldest first.</summary>
    public IReadOnlyList<Transfer> Transfers => [.. _transfers];

    /// <summary>The GOPROXY base a service called <paramref name="client"/> should use.</summary>
    public string BaseFor(string client) => $"{Url}/{client}";

    /// <summary>Starts a front forwarding to <paramref name="target"/> ("http://127.0.0.1:port").</summary>
    public static async Task<UpstreamFront> StartAsync(string target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.AddServerHeader = false;
        });
        var front = new UpstreamFront(builder.Build(), target);
        await front._app.StartAsync();
        front.Url = front._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single().TrimEnd('/');
        return front;
    }

    /// <summary>Sends the bodies of paths ending with <paramref name="pathSuffix"/> at about <paramref name="bytesPerSecond"/>.</summary>
    public void Throttle(string pathSuffix, long bytesPerSecond) => _throttles[pathSuffix] = bytesPerSecond;

    /// <summary>Transfers of a path ending with <paramref name="pathSuffix"/>.</summary>
    public IReadOnlyList<Transfer> TransfersOf(string pathSuffix) =>
        Transfers.Where(t => t.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).ToList();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
        _client.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var slash = raw.IndexOf('/', 1);
        if (slash < 0)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var client = raw[1..slash];
        var rest = raw[slash..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rest : rest[..query];
        var transfer = new Transfer(client, path);
        _transfers.Enqueue(transfer);
        var token = context.RequestAborted;
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), _target + rest);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            transfer.Status = (int)response.StatusCode;
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            context.Response.ContentLength = response.Content.Headers.ContentLength;
            transfer.ContentLength = response.Content.Headers.ContentLength;
            var rate = _throttles.FirstOrDefault(t => path.EndsWith(t.Key, StringComparison.Ordinal)).Value;
            await using var body = await response.Content.ReadAsStreamAsync(token);
            var buffer = new byte[64 * 1024];
            var clock = Stopwatch.StartNew();
            int read;
            while ((read = await body.ReadAsync(buffer, token)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), token);
                await context.Response.Body.FlushAsync(token);
                transfer.AddBytes(read);
                if (rate > 0)
                {
                    var due = TimeSpan.FromSeconds((double)transfer.BytesSent / rate) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, token);
                    }
                }
            }

            transfer.End(completed: true);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            transfer.End(completed: false);
            context.Abort();
        }
    }

    /// <summary>One forwarded request.</summary>
    public sealed class Transfer(string client, string path)
    {
        private long _bytes;
        private long _endedTicks;

        /// <summary>The service ("n0", "f1", …) that asked.</summary>
        public string Client { get; } = client;

        /// <summary>The URL path forwarded (without the client segment).</summary>
        public string Path { get; } = path;

        /// <summary>When it started.</summary>
        public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

        /// <summary>The upstream's status.</summary>
        public int Status { get; set; }

        /// <summary>The upstream's Content-Length.</summary>
        public long? ContentLength { get; set; }

        /// <summary>Body bytes passed on so far.</summary>
        public long BytesSent => Interlocked.Read(ref _bytes);

        /// <summary>Whether it has ended (either way).</summary>
        public bool Ended => Interlocked.Read(ref _endedTicks) != 0;

        /// <summary>Whether the whole body was passed on.</summary>
        public bool Completed { get; private set; }

        /// <summary>When it ended.</summary>
        public DateTimeOffset? EndedAt => Ended ? new DateTimeOffset(Interlocked.Read(ref _endedTicks), TimeSpan.Zero) : null;

        internal void AddBytes(int n) => Interlocked.Add(ref _bytes, n);

        internal void End(bool completed)
        {
            Completed = completed;
            Interlocked.Exchange(ref _endedTicks, DateTimeOffset.UtcNow.UtcTicks);
        }

        /// <inheritdoc />
        public override string ToString() =>
            $"{Client} {Path} {Status} {BytesSent}/{ContentLength} bytes, {(Ended ? (Completed ? "completed" : "cut") : "in flight")}";
    }
}
