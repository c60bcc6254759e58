using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace ModMesh.Discovery.Consul;

/// <summary>
/// A typed client over <see cref="HttpClient"/> for the documented Consul HTTP API endpoints ModMesh needs. The
/// <see cref="HttpClient"/> must have no total timeout of its own shorter than a blocking query (this class sets
/// per-call deadlines).
/// </summary>
public sealed class ConsulClient(HttpClient http, IOptions<ConsulOptions> options) : IConsulAgentClient, IConsulHealthClient
{
    private const string TokenHeader = "X-Consul-Token";
    private const string IndexHeader = "X-Consul-Index";

    /// <summary>Consul adds up to wait/16 of jitter to a blocking query; the deadline allows for it and some slack.</summary>
    private static readonly TimeSpan BlockingSlack = TimeSpan.FromSeconds(5);

    private readonly ConsulOptions _options = options.Value;

    /// <summary>An <see cref="HttpClient"/> suited to this client: pooled connections renewed every 2 minutes, no proxy.</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task RegisterServiceAsync(ConsulServiceRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        using var request = NewRequest(HttpMethod.Put, "v1/agent/service/register");
        request.Content = JsonContent.Create(registration, ConsulJsonContext.Default.ConsulServiceRegistration);
        using var deadline = Deadline(_options.RequestTimeout, cancellationToken);
        using var response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "register", deadline.Token).ConfigureAwait(false);
    }

    public async Task<bool> DeregisterServiceAsync(string serviceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        using var request = NewRequest(HttpMethod.Put, "v1/agent/service/deregister/" + Uri.EscapeDataString(serviceId));
        using var deadline = Deadline(_options.RequestTimeout, cancellationToken);
        using var response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "deregister", deadline.Token).ConfigureAwait(false);
        return true;
    }

    public async Task<ConsulQueryResult<IReadOnlyList<ConsulServiceEntry>>> GetPassingServiceAsync(
        string service, ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        var path = $"v1/health/service/{Uri.EscapeDataString(service)}?passing=true";
        if (index > 0)
        {
            path += $"&index={index.ToString(CultureInfo.InvariantCulture)}&wait={GoDuration.Format(wait)}";
        }

        using var request = NewRequest(HttpMethod.Get, path);
        var timeout = index > 0 ? wait + (wait / 16) + BlockingSlack : _options.RequestTimeout;
        using var deadline = Deadline(timeout, cancellationToken);
        using var response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "health query", deadline.Token).ConfigureAwait(false);

        if (!response.Headers.TryGetValues(IndexHeader, out var values)
            || !ulong.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var newIndex))
        {
            throw new ConsulException($"Consul's health answer has no valid {IndexHeader} header.", response.StatusCode);
        }

        var entries = await response.Content
            .ReadFromJsonAsync(ConsulJsonContext.Default.ListConsulServiceEntry, deadline.Token)
            .ConfigureAwait(false);
        return new ConsulQueryResult<IReadOnlyList<ConsulServiceEntry>>(entries ?? [], newIndex);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress(), relative));
        if (!string.IsNullOrEmpty(_options.Token))
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, _options.Token);
        }

        return request;
    }

    private Uri BaseAddress()
    {
        var text = _options.Address.ToString();
        return text.EndsWith('/') ? _options.Address : new Uri(text + "/");
    }

    private static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 500)
        {
            body = body[..500];
        }

        throw new ConsulException($"Consul {what} failed: {(int)response.StatusCode} {body.Trim()}", response.StatusCode);
    }
}
