using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModMesh.TestSupport.Consul;

/// <summary>
/// A contract double of a Consul agent's HTTP API, as documented (developer.hashicorp.com/consul/api-docs): an
/// in-process Kestrel server on 127.0.0.1 serving
/// <list type="bullet">
/// <item>PUT /v1/agent/service/register — JSON body validated like Consul (400 "Missing service name", bad check
/// definitions, bad durations); re-registering an ID replaces it; ID defaults to Name.</item>
/// <item>PUT /v1/agent/service/deregister/{id} — 404 for an unknown ID.</item>
/// <item>GET /v1/agent/services — the registered services by ID.</item>
/// <item>GET /v1/health/service/{name}[?passing][&amp;index=N&amp;wait=D] — the documented entry shape
/// ([{Node, Service, Checks}]), X-Consul-Index, the <c>passing</c> filter, and blocking queries: with index=N the
/// request is held until the modify index moves past N or <c>wait</c> ("30s", "1m", Go duration syntax, default 5m,
/// at most 10m, plus up to wait/16 of jitter as Consul adds) elapses.</item>
/// </list>
/// Every change (register, deregister, a check's status) increments the modify index. Like an agent, it runs each
/// service's HTTP check (GET at the check's Interval with its Timeout; 2xx passing, 429 warning, else critical;
/// a new check is critical until it ran, unless the registration set Status) and removes services whose check stayed
/// critical for DeregisterCriticalServiceAfter. Test hooks: <see cref="SetCheckStatus"/> pins a check's status,
/// <see cref="Fail"/> makes every request answer 500, <see cref="RequiredToken"/> enforces X-Consul-Token.
/// </summary>
public sealed class ConsulContractDouble : IAsyncDisposable
{
    public const string NodeName = "consul-double";

    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceState> _services = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _checkClient = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly string _nodeId = Guid.NewGuid().ToString();
    private WebApplication? _app;
    private ulong _index = 10;
    private TaskCompletionSource _changed = NewSignal();
    private int _blocking;

    private ConsulContractDouble()
    {
    }

    /// <summary>"http://127.0.0.1:port" — what Consul__Address takes.</summary>
    public string Url { get; private set; } = "";

    public Uri BaseAddress => new(Url + "/");

    /// <summary>The current modify index (what X-Consul-Index says).</summary>
    public ulong Index { get { lock (_gate) { return _index; } } }

    /// <summary>Blocking health queries being held right now.</summary>
    public int BlockingQueries => Volatile.Read(ref _blocking);

    /// <summary>When set, every request must carry this X-Consul-Token (403 "ACL not found" otherwise).</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When true, every API request answers 500 (as an agent without a cluster leader does).</summary>
    public bool Fail { get; set; }

    /// <summary>Whether the double runs registered HTTP checks like an agent (default true).</summary>
    public bool RunHttpChecks { get; set; } = true;

    /// <summary>Starts the double on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<ConsulContractDouble> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        var consul = new ConsulContractDouble();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(consul.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        consul._app = app;
        consul.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return consul;
    }

    /// <summary>The registered services by ID.</summary>
    public IReadOnlyDictionary<string, RegisteredService> Services
    {
        get
        {
            lock (_gate)
            {
                return _services.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Every API request received, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>
    /// Sets a service's check status ("passing", "warning", "critical") and pins it: the double's own HTTP check no
    /// longer changes it until <see cref="ReleaseCheck"/>. Returns false for an unknown ID.
    /// </summary>
    public bool SetCheckStatus(string serviceId, string status)
    {
        if (status is not ("passing" or "warning" or "critical"))
        {
            throw new ArgumentException($"Unknown check status '{status}'.", nameof(status));
        }

        lock (_gate)
        {
            if (!_services.TryGetValue(serviceId, out var service))
            {
                return false;
            }

            service.Pinned = true;
            SetStatusLocked(service, status, "set by the test");
            return true;
        }
    }

    /// <summary>Lets the double's HTTP check decide the status again.</summary>
    public void ReleaseCheck(string serviceId)
    {
        lock (_gate)
        {
            if (_services.TryGetValue(serviceId, out var service))
            {
                service.Pinned = false;
            }
        }
    }

    /// <summary>Registers a service directly (as an agent's config file would), without a request.</summary>
    public void Register(string id, string name, string address, int port, string? checkStatus = null)
    {
        lock (_gate)
        {
            UpsertLocked(new RegistrationBody { ID = id, Name = name, Address = address, Port = port }, checkStatus);
        }
    }

    /// <summary>Removes a service directly; false when unknown.</summary>
    public bool Deregister(string id)
    {
        lock (_gate)
        {
            return RemoveLocked(id);
        }
    }

    /// <summary>Polls <paramref name="condition"/> over the registered services until it holds or the timeout passes.</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyDictionary<string, RegisteredService>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(Services))
            {
                return true;
            }

            await Task.Delay(25).ConfigureAwait(false);
        }

        return condition(Services);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _app.StopAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _checkClient.Dispose();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var token = request.Headers["X-Consul-Token"].FirstOrDefault();
        lock (_gate)
        {
            _requests.Add(new RecordedRequest(request.Method, request.Path + request.QueryString, token, body));
        }

        if (Fail)
        {
            await WriteTextAsync(context, 500, "No cluster leader").ConfigureAwait(false);
            return;
        }

        if (RequiredToken is { } required && token != required)
        {
            await WriteTextAsync(context, 403, "ACL not found").ConfigureAwait(false);
            return;
        }

        var path = request.Path.Value ?? "";
        const string register = "/v1/agent/service/register";
        const string deregister = "/v1/agent/service/deregister/";
        const string health = "/v1/health/service/";
        if (path == register)
        {
            await RequireMethod(context, "PUT", () => RegisterAsync(context, body)).ConfigureAwait(false);
        }
        else if (path.StartsWith(deregister, StringComparison.Ordinal))
        {
            var id = Uri.UnescapeDataString(path[deregister.Length..]);
            await RequireMethod(context, "PUT", () => DeregisterAsync(context, id)).ConfigureAwait(false);
        }
        else if (path == "/v1/agent/services")
        {
            await RequireMethod(context, "GET", () => AgentServicesAsync(context)).ConfigureAwait(false);
        }
        else if (path.StartsWith(health, StringComparison.Ordinal))
        {
            var name = Uri.UnescapeDataString(path[health.Length..]);
            await RequireMethod(context, "GET", () => HealthServiceAsync(context, name)).ConfigureAwait(false);
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    private static Task RequireMethod(HttpContext context, string method, Func<Task> handler)
    {
        if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            return WriteTextAsync(context, 405, $"method {context.Request.Method} not allowed");
        }

        return handler();
    }

    private Task RegisterAsync(HttpContext context, string? body)
    {
        RegistrationBody? registration;
        try
        {
            registration = JsonSerializer.Deserialize<RegistrationBody>(body ?? "", JsonOptions);
        }
        catch (JsonException e)
        {
            return WriteTextAsync(context, 400, $"Request decode failed: {e.Message}");
        }

        if (registration is null)
        {
            return WriteTextAsync(context, 400, "Request decode failed: empty body");
        }

        if (string.IsNullOrEmpty(registration.Name))
        {
            return WriteTextAsync(context, 400, "Missing service name");
        }

        if (registration.Port is < 0 or > 65535)
        {
            return WriteTextAsync(context, 400, $"Invalid Port {registration.Port}");
        }

        if (registration.Check is { } check)
        {
            foreach (var (field, value) in new[] { ("Interval", check.Interval), ("Timeout", check.Timeout), ("DeregisterCriticalServiceAfter", check.DeregisterCriticalServiceAfter) })
            {
                if (value is not null && !TryParseGoDuration(value, out _))
                {
                    return WriteTextAsync(context, 400, $"Request decode failed: {field}: time: invalid duration \"{value}\"");
                }
            }

            if (check.Status is { Length: > 0 } status && status is not ("passing" or "warning" or "critical"))
            {
                return WriteTextAsync(context, 400, "Status for checks must 'passing', 'warning', 'critical'");
            }

            if (check.HTTP is { Length: > 0 } && (check.Interval is null || !TryParseGoDuration(check.Interval, out var interval) || interval <= TimeSpan.Zero))
            {
                return WriteTextAsync(context, 400, "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks");
            }

            if (check.HTTP is { Length: > 0 } && !Uri.TryCreate(check.HTTP, UriKind.Absolute, out _))
            {
                return WriteTextAsync(context, 400, $"Invalid check: invalid HTTP check URL \"{check.HTTP}\"");
            }
        }

        lock (_gate)
        {
            UpsertLocked(registration, registration.Check?.Status);
        }

        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    private Task DeregisterAsync(HttpContext context, string id)
    {
        bool removed;
        lock (_gate)
        {
            removed = RemoveLocked(id);
        }

        if (!removed)
        {
            return WriteTextAsync(context, 404, $"Unknown service ID \"{id}\". Ensure that the service ID is passed, not the service name.");
        }

        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    private Task AgentServicesAsync(HttpContext context)
    {
        var result = new JsonObject();
        lock (_gate)
        {
            foreach (var service in _services.Values)
            {
                result[service.Id] = ServiceJson(service);
            }
        }

        return WriteJsonAsync(context, result, null);
    }

    private async Task HealthServiceAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        var passing = query.TryGetValue("passing", out var p) && !(p.ToString() is "false" or "0");
        ulong index = 0;
        if (query.TryGetValue("index", out var indexText)
            && !ulong.TryParse(indexText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            await WriteTextAsync(context, 400, "Invalid index").ConfigureAwait(false);
            return;
        }

        var wait = DefaultWait;
        if (query.TryGetValue("wait", out var waitText))
        {
            if (!TryParseGoDuration(waitText.ToString(), out wait))
            {
                await WriteTextAsync(context, 400, "Invalid wait time").ConfigureAwait(false);
                return;
            }

            wait = wait > MaxWait ? MaxWait : wait;
        }

        if (index > 0)
        {
            // Consul adds up to wait/16 of random extra time to spread concurrent wake-ups.
            var deadline = DateTime.UtcNow + wait + TimeSpan.FromTicks((long)(wait.Ticks / 16.0 * Random.Shared.NextDouble()));
            Interlocked.Increment(ref _blocking);
            try
            {
                while (true)
                {
                    Task changed;
                    lock (_gate)
                    {
                        if (_index > index)
                        {
                            break;
                        }

                        changed = _changed.Task;
                    }

                    var remaining = deadline - DateTime.UtcNow;
                    if (remaining <= TimeSpan.Zero)
                    {
                        break;
                    }

                    try
                    {
                        await changed.WaitAsync(remaining, context.RequestAborted).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return; // the client hung up
            }
            finally
            {
                Interlocked.Decrement(ref _blocking);
            }
        }

        var entries = new JsonArray();
        ulong current;
        lock (_gate)
        {
            current = _index;
            foreach (var service in _services.Values.Where(s => s.Name == name).OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                if (passing && service.HasCheck && service.Status != "passing")
                {
                    continue;
                }

                entries.Add(new JsonObject
                {
                    ["Node"] = NodeJson(),
                    ["Service"] = ServiceJson(service),
                    ["Checks"] = ChecksJson(service),
                });
            }
        }

        await WriteJsonAsync(context, entries, current).ConfigureAwait(false);
    }

    private JsonObject NodeJson() => new()
    {
        ["ID"] = _nodeId,
        ["Node"] = NodeName,
        ["Address"] = "127.0.0.1",
        ["Datacenter"] = "dc1",
        ["TaggedAddresses"] = new JsonObject { ["lan"] = "127.0.0.1", ["wan"] = "127.0.0.1" },
        ["Meta"] = new JsonObject { ["consul-network-segment"] = "" },
        ["CreateIndex"] = 5,
        ["ModifyIndex"] = 5,
    };

    private static JsonObject ServiceJson(ServiceState service) => new()
    {
        ["ID"] = service.Id,
        ["Service"] = service.Name,
        ["Tags"] = new JsonArray(service.Tags.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
        ["Address"] = service.Address,
        ["Meta"] = new JsonObject(service.Meta.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
        ["Port"] = service.Port,
        ["Weights"] = new JsonObject { ["Passing"] = 1, ["Warning"] = 1 },
        ["EnableTagOverride"] = false,
        ["CreateIndex"] = service.CreateIndex,
        ["ModifyIndex"] = service.ModifyIndex,
    };

    private static JsonArray ChecksJson(ServiceState service)
    {
        var checks = new JsonArray
        {
            new JsonObject
            {
                ["Node"] = NodeName,
                ["CheckID"] = "serfHealth",
                ["Name"] = "Serf Health Status",
                ["Status"] = "passing",
                ["Notes"] = "",
                ["Output"] = "Agent alive and reachable",
                ["ServiceID"] = "",
                ["ServiceName"] = "",
                ["ServiceTags"] = new JsonArray(),
                ["Type"] = "",
                ["CreateIndex"] = 5,
                ["ModifyIndex"] = 5,
            },
        };
        if (service.HasCheck)
        {
            checks.Add(new JsonObject
            {
                ["Node"] = NodeName,
                ["CheckID"] = "service:" + service.Id,
                ["Name"] = $"Service '{service.Name}' check",
                ["Status"] = service.Status,
                ["Notes"] = "",
                ["Output"] = service.Output,
                ["ServiceID"] = service.Id,
                ["ServiceName"] = service.Name,
                ["ServiceTags"] = new JsonArray(service.Tags.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                ["Type"] = service.CheckUrl is null ? "" : "http",
                ["CreateIndex"] = service.CreateIndex,
                ["ModifyIndex"] = service.ModifyIndex,
            });
        }

        return checks;
    }

    private void UpsertLocked(RegistrationBody registration, string? initialStatus)
    {
        var id = string.IsNullOrEmpty(registration.ID) ? registration.Name! : registration.ID;
        _services.Remove(id, out var previous);
        previous?.Stop();
        var index = ++_index;
        var check = registration.Check;
        var service = new ServiceState
        {
            Id = id,
            Name = registration.Name!,
            Address = registration.Address ?? "",
            Port = registration.Port ?? 0,
            Tags = registration.Tags ?? [],
            Meta = registration.Meta ?? [],
            HasCheck = check is not null,
            CheckUrl = check?.HTTP,
            Interval = check?.Interval is { } i && TryParseGoDuration(i, out var interval) ? interval : TimeSpan.Zero,
            Timeout = check?.Timeout is { } t && TryParseGoDuration(t, out var timeout) ? timeout : TimeSpan.FromSeconds(10),
            DeregisterAfter = check?.DeregisterCriticalServiceAfter is { } d && TryParseGoDuration(d, out var after) ? after : null,
            Status = string.IsNullOrEmpty(initialStatus) ? "critical" : initialStatus,
            Output = "",
            CreateIndex = index,
            ModifyIndex = index,
            CriticalSince = DateTime.UtcNow,
        };
        _services[id] = service;
        SignalLocked();
        if (service.CheckUrl is not null && service.Interval > TimeSpan.Zero)
        {
            service.Runner = Task.Run(() => RunCheckAsync(service));
        }
    }

    private bool RemoveLocked(string id)
    {
        if (!_services.Remove(id, out var service))
        {
            return false;
        }

        service.Stop();
        _index++;
        SignalLocked();
        return true;
    }

    private void SetStatusLocked(ServiceState service, string status, string output)
    {
        service.Output = output;
        if (service.Status == status)
        {
            return;
        }

        service.Status = status;
        service.CriticalSince = status == "critical" ? DateTime.UtcNow : null;
        service.ModifyIndex = ++_index;
        SignalLocked();
    }

    private void SignalLocked()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private async Task RunCheckAsync(ServiceState service)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, service.Stopped.Token);
        while (!stop.IsCancellationRequested)
        {
            if (RunHttpChecks)
            {
                string status;
                string output;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    timeout.CancelAfter(service.Timeout);
                    using var response = await _checkClient.GetAsync(service.CheckUrl, timeout.Token).ConfigureAwait(false);
                    var code = (int)response.StatusCode;
                    status = code is >= 200 and < 300 ? "passing" : code == 429 ? "warning" : "critical";
                    output = $"HTTP GET {service.CheckUrl}: {code} {response.ReasonPhrase}";
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    status = "critical";
                    output = $"Get \"{service.CheckUrl}\": {e.Message}";
                }

                lock (_gate)
                {
                    if (!_services.TryGetValue(service.Id, out var current) || !ReferenceEquals(current, service))
                    {
                        return;
                    }

                    if (!service.Pinned)
                    {
                        SetStatusLocked(service, status, output);
                    }

                    if (service.Status == "critical" && service.DeregisterAfter is { } after
                        && service.CriticalSince is { } since && DateTime.UtcNow - since >= after)
                    {
                        RemoveLocked(service.Id);
                        return;
                    }
                }
            }

            try
            {
                await Task.Delay(service.Interval, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Go's time.ParseDuration for the units Consul users write: "30s", "1m", "1m30s", "500ms", "1h", "0".</summary>
    public static bool TryParseGoDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var i = 0;
        double totalMs = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            var unitMs = text[unitStart..i] switch
            {
                "ns" => 1e-6,
                "us" or "µs" => 1e-3,
                "ms" => 1.0,
                "s" => 1000.0,
                "m" => 60_000.0,
                "h" => 3_600_000.0,
                _ => double.NaN,
            };
            if (double.IsNaN(unitMs))
            {
                return false;
            }

            totalMs += number * unitMs;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    private static Task WriteJsonAsync(HttpContext context, JsonNode body, ulong? index)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        if (index is { } i)
        {
            context.Response.Headers["X-Consul-Index"] = i.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-Consul-KnownLeader"] = "true";
            context.Response.Headers["X-Consul-LastContact"] = "0";
        }

        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    /// <summary>One request as received.</summary>
    public sealed record RecordedRequest(string Method, string PathAndQuery, string? Token, string? Body);

    /// <summary>A registered service and its check, as the agent holds them.</summary>
    public sealed record RegisteredService(
        string Id, string Name, string Address, int Port, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Meta,
        string? CheckHttp, TimeSpan CheckInterval, TimeSpan CheckTimeout, TimeSpan? DeregisterCriticalServiceAfter, string CheckStatus);

    private sealed class RegistrationBody
    {
        public string? ID { get; set; }

        public string? Name { get; set; }

        public string[]? Tags { get; set; }

        public string? Address { get; set; }

        public int? Port { get; set; }

        public Dictionary<string, string>? Meta { get; set; }

        public CheckBody? Check { get; set; }
    }

    private sealed class CheckBody
    {
        public string? HTTP { get; set; }

        public string? Interval { get; set; }

        public string? Timeout { get; set; }

        public string? DeregisterCriticalServiceAfter { get; set; }

        public string? Status { get; set; }
    }

    private sealed class ServiceState
    {
        public required string Id { get; init; }

        public required string Name { get; init; }

        public required string Address { get; init; }

        public required int Port { get; init; }

        public required string[] Tags { get; init; }

        public required Dictionary<string, string> Meta { get; init; }

        public required bool HasCheck { get; init; }

        public string? CheckUrl { get; init; }

        public TimeSpan Interval { get; init; }

        public TimeSpan Timeout { get; init; }

        public TimeSpan? DeregisterAfter { get; init; }

        public required string Status { get; set; }

        public required string Output { get; set; }

        public DateTime? CriticalSince { get; set; }

        public bool Pinned { get; set; }

        public ulong CreateIndex { get; init; }

        public ulong ModifyIndex { get; set; }

        public Task? Runner { get; set; }

        public CancellationTokenSource Stopped { get; } = new();

        public void Stop() => Stopped.Cancel();

        public RegisteredService Snapshot() =>
            new(Id, Name, Address, Port, Tags, Meta, CheckUrl, Interval, Timeout, DeregisterAfter, Status);
    }
}
