using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ModMesh.Fetcher.Direct;

/// <summary>
/// The go-import answers for mapped module paths: a small HTTP responder on 127.0.0.1 that the go command reaches as
/// its HTTP(S) proxy. For a path in GOINSECURE the go command asks <c>https://host/path?go-get=1</c> first and, when
/// that fails, <c>http://host/path?go-get=1</c> (cmd/go/internal/web.get); both go through the proxy of its
/// environment. This responder refuses every CONNECT (so nothing reaches the real host's HTTPS port), answers
/// <c>GET http://host/path?go-get=1</c> for a mapped path with <c>&lt;meta name="go-import" content="prefix git
/// https://prefix"&gt;</c> (git is then sent to the real repository by an <c>insteadOf</c> rewrite; go-import refuses
/// file: URLs), and 404 for anything else. It forwards nothing: it is never an open proxy.
/// </summary>
internal sealed partial class DirectDiscovery : IDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(30);

    private readonly DirectMappings _mappings;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private TcpListener? _listener;
    private Task? _accepting;
    private int _answered;
    private int _refused;

    public DirectDiscovery(DirectMappings mappings, ILogger logger)
    {
        _mappings = mappings;
        _logger = logger;
    }

    /// <summary>How many go-import answers were given.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>How many requests were refused (CONNECT, other hosts or paths, other methods).</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>The proxy URL to give the go command ("http://127.0.0.1:port"); starts listening on first use.</summary>
    public string ProxyUrl
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
                if (_listener is null)
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    _listener = listener;
                    _accepting = AcceptAsync(listener, _stopping.Token);
                }

                return $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            }
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            _ = ServeAsync(client, stopping);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        using var _ = client;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        limit.CancelAfter(ReadLimit);
        try
        {
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream, limit.Token).ConfigureAwait(false);
            var (status, body) = Answer(head);
            var bytes = Encoding.UTF8.GetBytes(body);
            var reason = status switch { 200 => "OK", 403 => "Forbidden", 405 => "Method Not Allowed", _ => "Not Found" };
            var header = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {(status == 200 ? "text/html" : "text/plain")}; charset=utf-8\r\n" +
                         $"Content-Length: {bytes.Length}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header), limit.Token).ConfigureAwait(false);
            await stream.WriteAsync(bytes, limit.Token).ConfigureAwait(false);
            await stream.FlushAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The go command hung up or took too long: nothing to answer.
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeaderBytes];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (buffer.AsSpan(0, total).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        return Encoding.Latin1.GetString(buffer, 0, total);
    }

    /// <summary>The status and body for a request head (request line and headers).</summary>
    internal (int Status, string Body) Answer(string head)
    {
        var line = head.Split("\r\n", 2)[0];
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return Refuse(404, "?", "not an HTTP/1 request");
        }

        var (method, target) = (parts[0], parts[1]);
        if (method == "CONNECT")
        {
            // go's https attempt: refused at once, so it falls back to http (GOINSECURE) and no TLS leaves the machine.
            // Expected for every mapped fetch, so only a CONNECT to a host without mappings is worth a warning.
            var host = target.Split(':')[0];
            return Refuse(403, target, "CONNECT is never forwarded", expected: _mappings.Prefixes.Any(p => p.Split('/')[0].Equals(host, StringComparison.OrdinalIgnoreCase)));
        }

        if (method is not ("GET" or "HEAD"))
        {
            return Refuse(405, target, $"method {method}");
        }

        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.Query != "?go-get=1" ||
            !string.IsNullOrEmpty(uri.UserInfo) || !uri.IsDefaultPort)
        {
            return Refuse(404, target, "not a go-get=1 discovery request");
        }

        var path = (uri.Host + Uri.UnescapeDataString(uri.AbsolutePath)).TrimEnd('/');
        var mapping = _mappings.Find(path);
        if (mapping is null)
        {
            return Refuse(404, target, "no mapping covers it");
        }

        Interlocked.Increment(ref _answered);
        var prefix = WebUtility.HtmlEncode(mapping.NormalizedPrefix);
        Log.Answered(_logger, path, mapping.NormalizedPrefix);
        return (200, $"<!DOCTYPE html>\n<html><head><meta name=\"go-import\" content=\"{prefix} git https://{prefix}\"></head><body></body></html>\n");
    }

    private (int, string) Refuse(int status, string target, string why, bool expected = false)
    {
        Interlocked.Increment(ref _refused);
        if (expected)
        {
            Log.ConnectRefused(_logger, Protocol.ClientText.Escape(target, 300));
        }
        else
        {
            Log.Refused(_logger, Protocol.ClientText.Escape(target, 300), why);
        }

        return (status, "direct: only go-import discovery of mapped module paths is answered here\n");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            _listener?.Stop();
        }

        try
        {
            _accepting?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopped.
        }

        _listener?.Dispose();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2311, Level = LogLevel.Debug, Message = "direct: go-import of {Path} answered from the mapping {Prefix}")]
        public static partial void Answered(ILogger logger, string path, string prefix);

        [LoggerMessage(EventId = 2315, Level = LogLevel.Debug, Message = "direct: the discovery responder refused go's https probe {Target} (it falls back to http)")]
        public static partial void ConnectRefused(ILogger logger, string target);

        [LoggerMessage(EventId = 2312, Level = LogLevel.Warning, Message = "direct: the discovery responder refused {Target}: {Reason}")]
        public static partial void Refused(ILogger logger, string target, string reason);
    }
}
