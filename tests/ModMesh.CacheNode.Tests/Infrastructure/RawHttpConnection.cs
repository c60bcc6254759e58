using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ModMesh.CacheNode.Tests.Infrastructure;

/// <summary>
/// One kept-alive HTTP/1.1 connection that sends request targets byte for byte (as <see cref="RawHttp"/>, but many
/// requests per connection). Reconnects when the server closes the connection (as it does after a malformed request).
/// Not thread-safe: one per worker.
/// </summary>
internal sealed class RawHttpConnection(Uri server) : IDisposable
{
    private TcpClient? _tcp;
    private NetworkStream? _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Sends one request and reads its whole response; throws on a timeout or a connection that dies mid-answer.</summary>
    public async Task<RawResponse> SendAsync(string method, byte[] target, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var fresh = _stream is null;
            if (fresh)
            {
                await ConnectAsync(cancellationToken);
            }

            using var request = new MemoryStream();
            request.Write(Encoding.ASCII.GetBytes(method + " "));
            request.Write(target);
            request.Write(Encoding.ASCII.GetBytes($" HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\n\r\n"));
            try
            {
                await _stream!.WriteAsync(request.ToArray(), cancellationToken);
                var response = await ReadResponseAsync(method == "HEAD", cancellationToken);
                if (response.Headers.TryGetValue("Connection", out var connection) && connection.Contains("close", StringComparison.OrdinalIgnoreCase))
                {
                    Close();
                }

                return response;
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException && !fresh && attempt == 0)
            {
                // The server had closed an idle kept-alive connection: once more on a new one.
                Close();
            }
        }
    }

    public void Dispose() => Close();

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _tcp = new TcpClient { NoDelay = true };
        await _tcp.ConnectAsync(server.Host, server.Port, cancellationToken);
        _stream = _tcp.GetStream();
        _start = _end = 0;
    }

    private void Close()
    {
        _stream?.Dispose();
        _tcp?.Dispose();
        _stream = null;
        _tcp = null;
        _start = _end = 0;
    }

    private async Task<RawResponse> ReadResponseAsync(bool head, CancellationToken cancellationToken)
    {
        var statusLine = await ReadLineAsync(cancellationToken);
        var status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var line = await ReadLineAsync(cancellationToken); line.Length > 0; line = await ReadLineAsync(cancellationToken))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        using var body = new MemoryStream();
        if (!head && status is not (204 or 304))
        {
            if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                while (true)
                {
                    var size = Convert.ToInt32((await ReadLineAsync(cancellationToken)).Split(';')[0].Trim(), 16);
                    if (size == 0)
                    {
                        while ((await ReadLineAsync(cancellationToken)).Length > 0)
                        {
                        }

                        break;
                    }

                    await ReadExactlyAsync(body, size, cancellationToken);
                    await ReadLineAsync(cancellationToken);
                }
            }
            else if (headers.TryGetValue("Content-Length", out var length))
            {
                await ReadExactlyAsync(body, long.Parse(length, CultureInfo.InvariantCulture), cancellationToken);
            }
            else
            {
                // Delimited by the end of the connection.
                while (await FillAsync(cancellationToken))
                {
                }

                body.Write(_buffer, _start, _end - _start);
                _start = _end;
                headers["Connection"] = "close";
            }
        }

        return new RawResponse(status, headers, body.ToArray());
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("the connection closed mid-response");
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Append(Encoding.Latin1.GetString(_buffer, _start, stop - _start));
            if (newline >= 0)
            {
                _start = newline + 1;
                return line.ToString().TrimEnd('\r');
            }

            _start = _end;
        }
    }

    private async Task ReadExactlyAsync(Stream destination, long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("the connection closed mid-body");
            }

            var take = (int)Math.Min(count, _end - _start);
            destination.Write(_buffer, _start, take);
            _start += take;
            count -= take;
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await _stream!.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }
}
