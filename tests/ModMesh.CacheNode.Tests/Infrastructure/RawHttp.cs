using System.Net.Sockets;
using System.Text;

namespace ModMesh.CacheNode.Tests.Infrastructure;

/// <summary>A response read off a raw socket.</summary>
internal sealed record RawResponse(int StatusCode, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// HTTP/1.1 over a plain socket, so the request target reaches the server byte for byte (HttpClient would remove
/// "..", escape NUL and non-ASCII).
/// </summary>
internal static class RawHttp
{
    public static async Task<RawResponse> SendAsync(Uri server, string method, byte[] target)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        await using var stream = tcp.GetStream();
        using var request = new MemoryStream();
        request.Write(Encoding.ASCII.GetBytes(method + " "));
        request.Write(target);
        request.Write(Encoding.ASCII.GetBytes($" HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(request.ToArray(), timeout.Token);

        using var response = new MemoryStream();
        await stream.CopyToAsync(response, timeout.Token);
        return Parse(response.ToArray(), method == "HEAD");
    }

    private static RawResponse Parse(byte[] bytes, bool head)
    {
        var end = IndexOf(bytes, "\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidOperationException($"no complete response head in {bytes.Length} bytes: {Encoding.Latin1.GetString(bytes)}");
        }

        var lines = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = bytes[(end + 4)..];
        if (!head && headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new RawResponse(status, headers, body);
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var output = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = IndexOf(body.AsSpan(at), "\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd).Split(';')[0], 16);
            at += lineEnd + 2;
            if (size == 0)
            {
                return output.ToArray();
            }

            output.Write(body, at, size);
            at += size + 2;
        }
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);
}
