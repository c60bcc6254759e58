using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Direct;
using ModMesh.Protocol;

namespace ModMesh.Fetcher.Upstream;

/// <summary>
/// Walks the GOPROXY-style chain. After a 404/410 it always moves on; after any other failure only when the entry
/// was followed by '|'. "off" stops the walk; "direct" fetches from version control (<see cref="DirectSource"/>, the
/// go command), for private and public modules alike, as the go command does. Private modules skip every URL entry.
/// Checksum-database proxy requests never go to "direct".
/// </summary>
internal sealed partial class UpstreamChain : IUpstream
{
    /// <summary>The name of the HttpClient the chain uses.</summary>
    public const string HttpClientName = "ModMesh.Upstream";

    private const int MaxMessageBytes = 2048;

    private readonly IHttpClientFactory _clients;
    private readonly UpstreamOptions _options;
    private readonly IReadOnlyList<ProxyListEntry> _entries;
    private readonly ModulePatternSet _private;
    private readonly ILogger<UpstreamChain> _logger;
    private readonly DirectSource? _direct;

    public UpstreamChain(IHttpClientFactory clients, IOptions<UpstreamOptions> options, ILogger<UpstreamChain> logger, DirectSource? direct = null)
    {
        _clients = clients;
        _direct = direct;
        _options = options.Value;
        _logger = logger;
        if (!ProxyList.TryParse(_options.Upstream, out var entries, out var error))
        {
            throw new OptionsValidationException(UpstreamOptions.SectionName, typeof(UpstreamOptions), [error ?? "invalid upstream list"]);
        }

        _entries = entries;
        _private = ModulePatternSet.Parse(_options.Private);
    }

    public async Task<UpstreamResponse> GetAsync(string modulePath, string escapedPath, string relativePath, CancellationToken cancellationToken)
    {
        var isPrivate = _private.Matches(modulePath);
        UpstreamResponse? last = null;
        foreach (var entry in _entries)
        {
            UpstreamResponse response;
            switch (entry.Kind)
            {
                case ProxyEntryKind.Off:
                    last?.Dispose();
                    return UpstreamResponse.Failure(UpstreamStatus.NotFound, "off", $"module lookup disabled by the upstream setting \"off\" ({modulePath})");
                case ProxyEntryKind.Direct:
                    response = await GetFromDirectAsync(modulePath, escapedPath, relativePath, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    if (isPrivate)
                    {
                        // Rule 6: a private module name never leaves for a public upstream.
                        continue;
                    }

                    response = await GetFromProxyAsync(entry.Value, escapedPath, relativePath, cancellationToken).ConfigureAwait(false);
                    break;
            }

            if (response.Status == UpstreamStatus.Ok)
            {
                last?.Dispose();
                return response;
            }

            last?.Dispose();
            last = response;
            var fallThrough = response.Status == UpstreamStatus.NotFound || entry.FallThroughOnAnyError;
            if (!fallThrough)
            {
                return response;
            }
        }

        if (last is not null)
        {
            return last;
        }

        return UpstreamResponse.Failure(UpstreamStatus.NotFound, "chain", isPrivate
            ? $"{modulePath} is a private module and no private source is configured"
            : $"{modulePath}: no upstream to ask");
    }

    private async Task<UpstreamResponse> GetFromDirectAsync(string modulePath, string escapedPath, string relativePath, CancellationToken cancellationToken)
    {
        if (modulePath.Length == 0 || escapedPath.StartsWith("sumdb/", StringComparison.Ordinal))
        {
            // A checksum database is not in version control.
            return UpstreamResponse.Failure(UpstreamStatus.NotFound, DirectSource.SourceName, $"{escapedPath}: not fetched from version control");
        }

        if (_direct is null)
        {
            return UpstreamResponse.Failure(UpstreamStatus.NotFound, DirectSource.SourceName, $"{modulePath}: fetching from version control (\"direct\") is not enabled on this node");
        }

        return await _direct.GetAsync(modulePath, relativePath, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UpstreamResponse> GetFromProxyAsync(string baseUrl, string escapedPath, string relativePath, CancellationToken cancellationToken)
    {
        var url = $"{baseUrl}/{escapedPath}/{relativePath}";
        var client = _clients.CreateClient(HttpClientName);
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headersTimeout.CancelAfter(_options.ResponseTimeout);
        HttpResponseMessage? message = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            message = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).ConfigureAwait(false);
            FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", (int)message.StatusCode));
            Log.UpstreamAnswered(_logger, url, (int)message.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (message.StatusCode == HttpStatusCode.OK)
            {
                var body = await message.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var stream = new IdleTimeoutStream(body, _options.IdleReadTimeout);
                var ok = UpstreamResponse.Ok(baseUrl, stream, message.Content.Headers.ContentLength, message);
                message = null;
                return ok;
            }

            var text = await ReadMessageAsync(message, headersTimeout.Token).ConfigureAwait(false);
            var status = message.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone ? UpstreamStatus.NotFound : UpstreamStatus.Error;
            return UpstreamResponse.Failure(status, baseUrl, $"{baseUrl}: {(int)message.StatusCode} {message.ReasonPhrase}{(text.Length > 0 ? ": " + text : "")}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", "timeout"));
            Log.UpstreamFailed(_logger, url, "timeout");
            return UpstreamResponse.Failure(UpstreamStatus.Timeout, baseUrl, $"{baseUrl}: no answer within {_options.ResponseTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", "error"));
            Log.UpstreamFailed(_logger, url, ex.Message);
            return UpstreamResponse.Failure(UpstreamStatus.Error, baseUrl, $"{baseUrl}: {ex.Message}");
        }
        finally
        {
            message?.Dispose();
        }
    }

    private static async Task<string> ReadMessageAsync(HttpResponseMessage message, CancellationToken cancellationToken)
    {
        if (message.Content.Headers.ContentType?.MediaType is not ("text/plain" or null))
        {
            // An HTML error page says nothing a go client could show.
            return "";
        }

        try
        {
            await using var body = await message.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxMessageBytes];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, total).Trim();
            return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return "";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Upstream {Url} answered {Status} in {Milliseconds:0.0} ms")]
        public static partial void UpstreamAnswered(ILogger logger, string url, int status, double milliseconds);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Upstream {Url} failed: {Reason}")]
        public static partial void UpstreamFailed(ILogger logger, string url, string reason);
    }
}
