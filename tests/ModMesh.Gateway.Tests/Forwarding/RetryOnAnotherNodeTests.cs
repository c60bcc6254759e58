using System.Net;
using ModMesh.Access;
using ModMesh.Gateway.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.Protocol;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Gateway.Tests.Forwarding;

/// <summary>The retry middleware in a real in-process gateway, in front of stand-in nodes and a closed port.</summary>
public sealed class RetryOnAnotherNodeTests : IAsyncLifetime
{
    private StandInNode _second = null!;
    private StandInNode _first = null!;

    public async Task InitializeAsync()
    {
        _first = await StandInNode.StartAsync("first");
        _second = await StandInNode.StartAsync("second");
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    // Probes once a minute: health stays out of the way of what these tests look at; so does hedging (a hanging node
    // is left to the activity timeout and the retry, which is what these tests look at).
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Gateway:HealthProbeInterval"] = "00:01:00",
        ["Gateway:Hedging:Enabled"] = "false",
        ["Gateway:ActivityTimeout"] = "00:00:01",
        ["Gateway:MaxFails"] = "100",
    };

    private static string RefusingNode() => $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}";

    [Fact]
    public async Task Get_FirstNodeRefusesConnections_SucceedsOnSecond()
    {
        var refusing = RefusingNode();
        await using var gateway = await TestGateway.StartAsync([refusing, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(refusing);

        using var response = await client.GetAsync($"/{module}/@v/list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"node:second GET /{module}/@v/list", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, gateway.Retries);
    }

    [Fact]
    public async Task Head_FirstNodeRefusesConnections_SucceedsOnSecond()
    {
        var refusing = RefusingNode();
        await using var gateway = await TestGateway.StartAsync([refusing, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(refusing);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{module}/@v/v1.0.0.zip"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _second.Requests);
    }

    [Fact]
    public async Task Upload_FirstNodeRefusesConnections_IsNotRetried()
    {
        // An upload (PUT, the one non-idempotent request the gateway passes on) by a token allowed to publish.
        var folder = TempDirectory.CreateUnique("retry-upload");
        try
        {
            var token = TokenFile.Issue("ci");
            await File.WriteAllTextAsync(Path.Combine(folder, "tokens"), token.Line + "\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "rules"), "... RW = ci\n");
            var settings = Settings();
            settings["Gateway:Access:TokensFile"] = Path.Combine(folder, "tokens");
            settings["Gateway:Access:RulesFile"] = Path.Combine(folder, "rules");
            var refusing = RefusingNode();
            await using var gateway = await TestGateway.StartAsync([refusing, _second.Url], settings);
            using var client = LoadLoop.NewClient(gateway.BaseAddress);
            var module = gateway.ModuleServedBy(refusing);
            using var upload = new HttpRequestMessage(HttpMethod.Put, $"/{module}/@v/v1.0.0.zip") { Content = new ByteArrayContent([1, 2, 3]) };
            upload.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);

            using var response = await client.SendAsync(upload);

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal(0, _second.Requests);
            Assert.Equal(0, gateway.Retries);
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public async Task Post_IsRefused405_AtTheGateway_NoNodeAsked()
    {
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);

        using var response = await client.PostAsync("/example.com/m/@v/list", new StringContent("x"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, _first.Requests + _second.Requests);
    }

    [Fact]
    public async Task Get_FirstNodeAnswers503_SucceedsOnSecondWithItsBodyIntact()
    {
        _first.Mode = StandInMode.ServiceUnavailable;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(_first.Url);

        using var response = await client.GetAsync($"/{module}/@v/v1.0.0.info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"node:second GET /{module}/@v/v1.0.0.info", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _first.Requests);
        Assert.Equal(1, _second.Requests);
    }

    [Theory]
    [InlineData(StandInMode.UpstreamFailed, HttpStatusCode.BadGateway, "upstream failed")]
    [InlineData(StandInMode.UpstreamTimedOut, HttpStatusCode.GatewayTimeout, "upstream timed out")]
    public async Task Get_FirstNodeBlamesUpstream_IsPassedThroughNotRetried(StandInMode mode, HttpStatusCode status, string body)
    {
        _first.Mode = mode;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(_first.Url);

        using var response = await client.GetAsync($"/{module}/@v/v1.0.0.info");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal([FailureBlame.Upstream], response.Headers.GetValues(FailureBlame.HeaderName)); // passed through
        Assert.Equal(1, _first.Requests);
        Assert.Equal(0, _second.Requests);
        Assert.Equal(0, gateway.Retries);
    }

    [Theory]
    [InlineData(StandInMode.NodeUnavailable)]
    [InlineData(StandInMode.BadGateway)] // no blame header: an older or foreign node, retried as before
    public async Task Get_FirstNodeFailsWithoutBlamingUpstream_SucceedsOnSecond(StandInMode mode)
    {
        _first.Mode = mode;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(_first.Url);

        using var response = await client.GetAsync($"/{module}/@v/v1.0.0.info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"node:second GET /{module}/@v/v1.0.0.info", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains(FailureBlame.HeaderName)); // the first answer's headers are gone
        Assert.Equal(1, _first.Requests);
        Assert.Equal(1, _second.Requests);
        Assert.Equal(1, gateway.Retries);
    }

    [Fact]
    public async Task Get_FirstNodeHangs_SucceedsOnSecondAfterActivityTimeout()
    {
        _first.Mode = StandInMode.Hang;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(_first.Url);

        using var response = await client.GetAsync($"/{module}/@latest");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _second.Requests);
    }

    [Fact]
    public async Task Get_FirstNodeAnswers404_IsPassedThroughNotRetried()
    {
        _first.Mode = StandInMode.NotFound;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        var module = gateway.ModuleServedBy(_first.Url);

        using var response = await client.GetAsync($"/{module}/@v/list");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not found", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _second.Requests);
    }

    [Fact]
    public async Task Get_BothNodesAnswer503_SecondAnswerReachesTheClient()
    {
        _first.Mode = StandInMode.ServiceUnavailable;
        _second.Mode = StandInMode.ServiceUnavailable;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], Settings());
        using var client = LoadLoop.NewClient(gateway.BaseAddress);

        using var response = await client.GetAsync("/example.com/x/@v/list");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unavailable", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _first.Requests);
        Assert.Equal(1, _second.Requests); // retried once, not more
    }

    [Fact]
    public async Task Get_ClientHangsUpOnHangingNode_IsNotRetried()
    {
        _first.Mode = StandInMode.Hang;
        await using var gateway = await TestGateway.StartAsync([_first.Url, _second.Url], new Dictionary<string, string?>(Settings())
        {
            ["Gateway:ActivityTimeout"] = "00:00:10",
        });
        using var client = LoadLoop.NewClient(gateway.BaseAddress);
        client.Timeout = TimeSpan.FromMilliseconds(300);
        var module = gateway.ModuleServedBy(_first.Url);

        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => client.GetAsync($"/{module}/@v/list"));
        await Task.Delay(300);

        Assert.Equal(0, _second.Requests);
        Assert.Equal(0, gateway.Retries);
    }
}
