using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;

namespace ModMesh.Cluster.Tests.Infrastructure;

/// <summary>One answer as a client saw it: status, the body's SHA-256 and length, Retry-After, or the failure.</summary>
public sealed record Answer(int Status, string? Sha256, long Length, long? ContentLength, string? RetryAfter, string? Error, TimeSpan Elapsed, string Url)
{
    /// <summary>The start of a non-200 body (the service's message).</summary>
    public string? Text { get; init; }

    public bool Ok => Status == 200 && Error is null;

    public override string ToString() =>
        Error is not null ? $"{Url}: failed after {Elapsed.TotalMilliseconds:F0} ms: {Error}" : $"{Url}: {Status} {Length}/{ContentLength} bytes, Retry-After {RetryAfter ?? "-"}, {Elapsed.TotalMilliseconds:F0} ms{(Text is null ? "" : ": " + Text.Trim())}";
}

/// <summary>HTTP helpers for the cluster tests (loopback only, no proxy).</summary>
public static class Http
{
    public static HttpClient NewClient(TimeSpan? timeout = null) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
    })
    { Timeout = timeout ?? TimeSpan.FromSeconds(60) };

    /// <summary>GETs <paramref name="url"/>, hashing the body as it streams (nothing buffered); never throws for HTTP failures.</summary>
    public static async Task<Answer> GetAsync(HttpClient client, string url, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        long length = 0;
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[81920];
            var head = new MemoryStream();
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
                if (response.StatusCode != HttpStatusCode.OK && head.Length < 1024)
                {
                    head.Write(buffer, 0, Math.Min(read, 1024));
                }
            }

            return new Answer(
                (int)response.StatusCode,
                Convert.ToHexStringLower(hash.GetHashAndReset()),
                length,
                response.Content.Headers.ContentLength,
                response.Headers.RetryAfter?.ToString(),
                null,
                clock.Elapsed,
                url)
            {
                Text = head.Length > 0 ? System.Text.Encoding.UTF8.GetString(head.ToArray()) : null,
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new Answer(0, null, length, null, null, $"{ex.GetType().Name}: {ex.Message}", clock.Elapsed, url);
        }
    }

    public static string Hex(byte[] sha256) => Convert.ToHexStringLower(sha256);

    /// <summary>The p-th percentile (0-100) of <paramref name="values"/> (nearest rank).</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> runs out.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}
