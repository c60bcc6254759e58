using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using ModMesh.Discovery.Consul;
using ModMesh.TestSupport.Consul;

namespace ModMesh.Discovery.Tests.Consul;

/// <summary>The typed client against the contract double: the documented requests, answers and blocking behaviour.</summary>
public sealed class ConsulClientContractTests : IAsyncLifetime
{
    private ConsulContractDouble _consul = null!;
    private ConsulClient _client = null!;

    public async Task InitializeAsync()
    {
        _consul = await ConsulContractDouble.StartAsync();
        _client = NewClient(null);
    }

    public async Task DisposeAsync() => await _consul.DisposeAsync();

    private ConsulClient NewClient(string? token) =>
        new(ConsulClient.CreateHttpClient(), Options.Create(new ConsulOptions { Address = new Uri(_consul.Url), Token = token }));

    private static ConsulServiceRegistration Registration(string id, int port, string? status = "passing") => new()
    {
        ID = id,
        Name = "modmesh-cachenode",
        Address = "127.0.0.1",
        Port = port,
        Tags = ["v1"],
        Meta = new() { ["scheme"] = "http" },
        Check = new ConsulCheckDefinition
        {
            HTTP = $"http://127.0.0.1:{port}/health/ready",
            Interval = "5s",
            Timeout = "2s",
            DeregisterCriticalServiceAfter = "1m",
            Status = status,
        },
    };

    [Fact]
    public async Task RegisterServiceAsync_ValidBody_ServiceIsRegisteredWithItsCheck()
    {
        _consul.RunHttpChecks = false;

        await _client.RegisterServiceAsync(Registration("node-a", 9001), CancellationToken.None);

        var service = Assert.Single(_consul.Services).Value;
        Assert.Equal(("node-a", "modmesh-cachenode", "127.0.0.1", 9001), (service.Id, service.Name, service.Address, service.Port));
        Assert.Equal("http://127.0.0.1:9001/health/ready", service.CheckHttp);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)), (service.CheckInterval, service.CheckTimeout, service.DeregisterCriticalServiceAfter!.Value));
        var request = _consul.Requests.Last();
        Assert.Equal(("PUT", "/v1/agent/service/register"), (request.Method, request.PathAndQuery));
        Assert.Contains("\"DeregisterCriticalServiceAfter\":\"1m\"", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterServiceAsync_EmptyName_FailsWith400LikeConsul()
    {
        var registration = Registration("x", 9001);
        registration.Name = "";

        var e = await Assert.ThrowsAsync<ConsulException>(() => _client.RegisterServiceAsync(registration, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("Missing service name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"ID":"a"}""", "Missing service name")]
    [InlineData("""{"Name":"a","Check":{"HTTP":"http://127.0.0.1:1/","Interval":"5 seconds"}}""", "invalid duration")]
    [InlineData("""{"Name":"a","Check":{"HTTP":"http://127.0.0.1:1/"}}""", "Interval must be > 0")]
    [InlineData("""{"Name":"a","Check":{"TTL":"5s","Status":"fine"}}""", "Status for checks must")]
    [InlineData("""{"Name":""", "Request decode failed")]
    public async Task Double_InvalidRegistrationBody_Answers400(string body, string message)
    {
        using var http = new HttpClient();
        using var response = await http.PutAsync(new Uri(_consul.BaseAddress, "v1/agent/service/register"), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_consul.Services);
    }

    [Fact]
    public async Task DeregisterServiceAsync_KnownAndUnknownIds_TrueThenFalse()
    {
        await _client.RegisterServiceAsync(Registration("node-a", 9001), CancellationToken.None);

        Assert.True(await _client.DeregisterServiceAsync("node-a", CancellationToken.None));
        Assert.False(await _client.DeregisterServiceAsync("node-a", CancellationToken.None));
        Assert.Empty(_consul.Services);
    }

    [Fact]
    public async Task GetPassingServiceAsync_PassingFilter_LeavesOutCriticalInstances()
    {
        _consul.RunHttpChecks = false;
        await _client.RegisterServiceAsync(Registration("up", 9001), CancellationToken.None);
        await _client.RegisterServiceAsync(Registration("down", 9002, status: null), CancellationToken.None); // critical until checked

        var result = await _client.GetPassingServiceAsync("modmesh-cachenode", 0, TimeSpan.FromSeconds(1), CancellationToken.None);

        var entry = Assert.Single(result.Value);
        Assert.Equal(("up", 9001, "127.0.0.1"), (entry.Service.ID, entry.Service.Port, entry.Service.Address));
        Assert.Equal(ConsulContractDouble.NodeName, entry.Node.Node);
        Assert.All(entry.Checks, c => Assert.Equal("passing", c.Status));
        Assert.Equal(_consul.Index, result.Index);
    }

    [Fact]
    public async Task GetPassingServiceAsync_WithIndex_BlocksUntilTheIndexMoves()
    {
        var first = await _client.GetPassingServiceAsync("modmesh-cachenode", 0, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Empty(first.Value);

        var stopwatch = Stopwatch.StartNew();
        var blocking = _client.GetPassingServiceAsync("modmesh-cachenode", first.Index, TimeSpan.FromSeconds(10), CancellationToken.None);
        await Task.Delay(300);
        Assert.False(blocking.IsCompleted, "the query returned before anything changed");
        Assert.Equal(1, _consul.BlockingQueries);
        await _client.RegisterServiceAsync(Registration("node-a", 9001), CancellationToken.None);
        var second = await blocking.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.True(second.Index > first.Index);
        Assert.Equal("node-a", Assert.Single(second.Value).Service.ID);
        Assert.Contains(_consul.Requests, r => r.PathAndQuery == $"/v1/health/service/modmesh-cachenode?passing=true&index={first.Index}&wait=10s");
    }

    [Fact]
    public async Task GetPassingServiceAsync_NothingChanges_ReturnsTheSameIndexAfterWait()
    {
        var first = await _client.GetPassingServiceAsync("modmesh-cachenode", 0, TimeSpan.FromSeconds(1), CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();

        var second = await _client.GetPassingServiceAsync("modmesh-cachenode", first.Index, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(3));
        Assert.Equal(first.Index, second.Index);
    }

    [Theory]
    [InlineData("index=abc&wait=1s", "Invalid index")]
    [InlineData("index=1&wait=1x", "Invalid wait time")]
    public async Task Double_BadBlockingParameters_Answers400(string query, string message)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(_consul.BaseAddress, "v1/health/service/x?" + query));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m", 60_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1500ms", 1_500)]
    [InlineData("0", 0)]
    public void TryParseGoDuration_ConsulWaitValues_Parse(string text, int milliseconds)
    {
        Assert.True(ConsulContractDouble.TryParseGoDuration(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData(5_000, "5s")]
    [InlineData(60_000, "1m")]
    [InlineData(90_000, "90s")]
    [InlineData(1_500, "1500ms")]
    public void GoDuration_Format_WritesWhatConsulParses(int milliseconds, string expected)
    {
        var text = GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, text);
        Assert.True(ConsulContractDouble.TryParseGoDuration(text, out var back));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), back);
    }

    [Fact]
    public async Task Token_IsSentAsXConsulToken()
    {
        _consul.RequiredToken = "s3cret";

        await NewClient("s3cret").RegisterServiceAsync(Registration("node-a", 9001), CancellationToken.None);
        var e = await Assert.ThrowsAsync<ConsulException>(() => _client.RegisterServiceAsync(Registration("node-b", 9002), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("s3cret", _consul.Requests.First().Token);
        Assert.Equal(["node-a"], _consul.Services.Keys);
    }

    [Fact]
    public async Task Double_HttpCheck_FollowsTheServiceAndDeregistersAfterCriticalPeriod()
    {
        var healthy = true;
        await using var service = await TestSupport.Http.LoopbackWebServer.StartAsync(c =>
        {
            c.Response.StatusCode = healthy ? 200 : 503;
            return Task.CompletedTask;
        });
        var registration = Registration("node-a", service.Port, status: null);
        registration.Check!.Interval = "100ms";
        registration.Check.DeregisterCriticalServiceAfter = "500ms";

        await _client.RegisterServiceAsync(registration, CancellationToken.None);
        Assert.True(await _consul.WaitForAsync(s => s["node-a"].CheckStatus == "passing", TimeSpan.FromSeconds(5)));
        healthy = false;

        Assert.True(await _consul.WaitForAsync(s => s.Count == 0, TimeSpan.FromSeconds(5)), "the critical instance was not removed");
    }
}
