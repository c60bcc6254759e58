using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Direct;
using ModMesh.Protocol;
using ModMesh.Coordination;

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

    private readonly TimeProvider _time;
    private readonly HashSet<string> _redirectHosts;

    private readonly Status.FillActivity? _activity;

    public UpstreamChain(IHttpClientFactory clients, IOptions<UpstreamOptions> options, ILogger<UpstreamChain> logger, TimeProvider? time = null, DirectSource? direct = null, Status.FillActivity? activity = null)
    {
        _activity = activity;
        _clients = clients;
        _direct = direct;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        if (!ProxyList.TryParse(_options.Upstream, out var entries, out var error))
        {
            throw new OptionsValidationException(UpstreamOptions.SectionName, typeof(UpstreamOptions), [error ?? "invalid upstream list"]);
        }

        _entries = entries;
        _private = ModulePatternSet.Parse(_options.Private, ignoreCase: !_options.CaseSensitivePatterns);
        _redirectHosts = new HashSet<string>(_options.RedirectHostList, StringComparer.OrdinalIgnoreCase);
    }

    public async Task<UpstreamResponse> GetAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var modulePath = request.ModulePath;
        var isPrivate = modulePath is not null && _private.Matches(modulePath);
        UpstreamResponse? last = null;
        foreach (var entry in _entries)
        {
            UpstreamResponse response;
            switch (entry.Kind)
            {
                case ProxyEntryKind.Off:
                    last?.Dispose();
                    return UpstreamResponse.Failure(OutcomeKind.NotFound, "off", $"module lookup disabled by the upstream setting \"off\" ({modulePath ?? request.RelativeUrl})");
                case ProxyEntryKind.Direct:
                    response = await GetFromDirectAsync(request, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    if (isPrivate)
                    {
                        // Rule 6: a private module name never leaves for a public upstream.
                        continue;
                    }

                    response = await GetFromProxyAsync(entry.Value, request, cancellationToken).ConfigureAwait(false);
                    break;
            }

            if (response.Status == OutcomeKind.Ok)
            {
                last?.Dispose();
                return response;
            }

            last?.Dispose();
            last = response;
            var fallThrough = response.Status == OutcomeKind.NotFound || entry.FallThroughOnAnyError;
            if (!fallThrough)
            {
                return response;
            }
        }

        if (last is not null)
        {
            return last;
        }

        return UpstreamResponse.Failure(OutcomeKind.NotFound, "chain", isPrivate
            ? $"{modulePath} is a private module and no private source is configured"
            : $"{modulePath ?? request.RelativeUrl}: no upstream to ask");
    }

    private async Task<UpstreamResponse> GetFromDirectAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        if (request is not ModuleUpstreamRequest module)
        {
            // A checksum database is not in version control.
            return UpstreamResponse.Failure(OutcomeKind.NotFound, DirectSource.SourceName, $"{request.RelativeUrl}: not fetched from version control");
        }

        if (_direct is null)
        {
            return UpstreamResponse.Failure(OutcomeKind.NotFound, DirectSource.SourceName, $"{module.Module}: fetching from version control (\"direct\") is not enabled on this node");
        }

        var started = Stopwatch.GetTimestamp();
        var response = await _direct.GetAsync(module.Module, module.ModuleRelativePath, cancellationToken).ConfigureAwait(false);
        var answered = response.Status is OutcomeKind.Ok or OutcomeKind.NotFound;
        _activity?.RecordUpstream(DirectSource.SourceName, answered, Stopwatch.GetElapsedTime(started), answered ? null : response.Status.ToString(), response.Status == OutcomeKind.Ok);
        return response;
    }

    private async Task<UpstreamResponse> GetFromProxyAsync(string baseUrl, UpstreamRequest request, CancellationToken cancellationToken)
    {
        var name = DisplayName(baseUrl);
        var url = new Uri($"{baseUrl}/{request.RelativeUrl}");
        var originHost = url.Authority;
        var client = _clients.CreateClient(HttpClientName);
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headersTimeout.CancelAfter(_options.ResponseTimeout);
        HttpResponseMessage? message = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                using (var outgoing = new HttpRequestMessage(HttpMethod.Get, url))
                {
                    message = await client.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).ConfigureAwait(false);
                }

                FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", (int)message.StatusCode));
                Log.UpstreamAnswered(_logger, name, request.RelativeUrl, (int)message.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!IsRedirect(message.StatusCode))
                {
                    break;
                }

                // Redirects are followed by hand: only http(s), only to the same host or a configured one, a few times.
                var location = message.Headers.Location;
                message.Dispose();
                message = null;
                if (redirects >= _options.MaxRedirects)
                {
                    return Refused(name, url, $"more than {_options.MaxRedirects} redirects");
                }

                if (location is null)
                {
                    return Refused(name, url, "a redirect without a Location");
                }

                var target = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (target.Scheme is not ("http" or "https"))
                {
                    return Refused(name, url, $"a redirect to the unsupported scheme \"{ClientText.Escape(target.Scheme, 16)}\"");
                }

                if (!string.Equals(target.Authority, originHost, StringComparison.OrdinalIgnoreCase) &&
                    !_redirectHosts.Contains(target.Authority) && !_redirectHosts.Contains(target.Host))
                {
                    return Refused(name, url, "a redirect to another host (allow it with ModMesh:RedirectHosts)");
                }

                if (!string.IsNullOrEmpty(target.UserInfo))
                {
                    return Refused(name, url, "a redirect carrying credentials");
                }

                url = target;
            }

            var code = (int)message.StatusCode;
            var answeredOk = code is >= 200 and < 300 or 404 or 410;
            _activity?.RecordUpstream(StatusName(baseUrl), answeredOk, Stopwatch.GetElapsedTime(started), answeredOk ? null : $"HTTP {code}", message.StatusCode == HttpStatusCode.OK);
            if (message.StatusCode == HttpStatusCode.OK)
            {
                var body = await message.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var stream = new TransferGuardStream(body, _options.IdleReadTimeout, _options.MinTransferBytesPerSecond, _options.TransferRateGrace, _time);
                var ok = UpstreamResponse.Ok(name, stream, message.Content.Headers.ContentLength, message);
                message = null;
                return ok;
            }

            var text = await ReadMessageAsync(message, headersTimeout.Token).ConfigureAwait(false);
            var status = message.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone ? OutcomeKind.NotFound : OutcomeKind.UpstreamFailed;
            return UpstreamResponse.Failure(status, name, $"{name}: {(int)message.StatusCode} {ClientText.Escape(message.ReasonPhrase ?? "", 64)}{(text.Length > 0 ? ": " + text : "")}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", "timeout"));
            _activity?.RecordUpstream(StatusName(baseUrl), false, Stopwatch.GetElapsedTime(started), "timeout");
            Log.UpstreamFailed(_logger, name, request.RelativeUrl, "timeout");
            return UpstreamResponse.Failure(OutcomeKind.UpstreamTimeout, name, $"{name}: no answer within {_options.ResponseTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            // The full text (addresses included) goes to the log only; the client learns the kind of failure.
            FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", "error"));
            _activity?.RecordUpstream(StatusName(baseUrl), false, Stopwatch.GetElapsedTime(started), Describe(ex));
            Log.UpstreamFailed(_logger, name, request.RelativeUrl, ex.Message);
            return UpstreamResponse.Failure(OutcomeKind.UpstreamFailed, name, $"{name}: {Describe(ex)}");
        }
        finally
        {
            message?.Dispose();
        }
    }

    private UpstreamResponse Refused(string name, Uri url, string why)
    {
        FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", "redirect-refused"));
        Log.UpstreamFailed(_logger, name, url.AbsolutePath, why);
        return UpstreamResponse.Failure(OutcomeKind.UpstreamFailed, name, $"{name}: refused {why}");
    }

    private static bool IsRedirect(HttpStatusCode code) =>
        code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => "the host name did not resolve",
        HttpRequestError.ConnectionError => "could not connect",
        HttpRequestError.SecureConnectionError => "TLS failed",
        HttpRequestError.ResponseEnded => "the connection closed before a response",
        HttpRequestError.InvalidResponse => "an invalid HTTP response",
        _ => "the request failed",
    };

    /// <summary>An upstream's name for messages and logs: its URL without credentials, query or fragment.</summary>
    internal static string DisplayName(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath.TrimEnd('/')}"
            : "upstream";

    /// <summary>An upstream's name on the status page: its host (and port) only, never credentials or a path.</summary>
    internal static string StatusName(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri.Authority : "upstream";

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

            return ClientText.Escape(System.Text.Encoding.UTF8.GetString(buffer, 0, total).Trim(), 512);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return "";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Upstream {Upstream} answered {Status} for {Path} in {Milliseconds:0.0} ms")]
        public static partial void UpstreamAnswered(ILogger logger, string upstream, string path, int status, double milliseconds);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Upstream {Upstream} failed for {Path}: {Reason}")]
        public static partial void UpstreamFailed(ILogger logger, string upstream, string path, string reason);
    }
}
