using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.Gateway.Caching;
using ModMesh.Gateway.Tests.Infrastructure;

namespace ModMesh.Gateway.Tests.Caching;

/// <summary>
/// Concurrent misses of one path through the gateway's memory cache (nginx's <c>proxy_cache_lock</c>): while one
/// request is at the node (a fill in progress, held by the stand-in), the others wait for its answer; they get it from
/// memory when it is kept, and go to the node themselves when it is not, when it fails, or when they waited too long.
/// Every wait here is for a counted condition, never for a fixed time.
/// </summary>
public sealed class CoalescedMissTests : IAsyncDisposable
{
    private const int Followers = 19;
    private StandInNode? _node;
    private TestGateway? _gateway;
    private HttpClient? _client;

    [Fact]
    public async Task BurstOfOnePath_WhileTheNodeFills_CostsTheNodeOneRequest_EveryClientGetsTheAnswer()
    {
        var release = await StartAsync(StandInMode.Immutable);
        const string path = "/example.com/burst/@v/v1.0.0.zip";

        var requests = await StartBurstAsync(path);
        release.SetResult();
        var answers = await Task.WhenAll(requests);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Equal("node:n0 GET " + path, a.Body));
        Assert.Equal(1, _node!.Requests);
        Assert.Equal(0, Pending.Waiting);
        Assert.Equal(0, Pending.CapturingBytes);
    }

    [Theory]
    [InlineData(StandInMode.Normal, HttpStatusCode.OK)] // a 200 without "immutable": never kept
    [InlineData(StandInMode.NotFound, HttpStatusCode.NotFound)]
    [InlineData(StandInMode.NodeUnavailable, HttpStatusCode.ServiceUnavailable)]
    public async Task BurstOfOnePath_AnswerNotKept_EachWaitingClientGoesToTheNodeItself(StandInMode mode, HttpStatusCode expected)
    {
        var release = await StartAsync(mode);
        const string path = "/example.com/notkept/@v/v1.0.0.mod";

        var requests = await StartBurstAsync(path);
        release.SetResult();
        var answers = await Task.WhenAll(requests);

        Assert.All(answers, a => Assert.Equal(expected, a.Status));
        Assert.Equal(1 + Followers, _node!.Requests);
        Assert.Equal(0, Pending.Waiting);
    }

    [Fact]
    public async Task WaitingClients_StopWaitingAfterTheLockTimeout_AndGoToTheNode()
    {
        var release = await StartAsync(StandInMode.Immutable, new() { ["Gateway:Cache:LockTimeout"] = "00:00:00.200" });
        const string path = "/example.com/slowfill/@v/v1.0.0.info";

        var leader = GetAsync(path);
        await WaitForAsync(() => _node!.Requests == 1, "the first request reaches the node");
        var followers = Enumerable.Range(0, Followers).Select(_ => GetAsync(path)).ToList();

        // After 200 ms each follower gives up waiting and is at the node too, still held there.
        await WaitForAsync(() => _node!.Requests == 1 + Followers, "every follower reaches the node after the lock timeout");
        release.SetResult();
        var answers = await Task.WhenAll(followers.Prepend(leader));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Equal("node:n0 GET " + path, a.Body));
    }

    [Fact]
    public async Task AnswerBeyondTheCaptureBudget_StreamsThroughUncopied_AndIsNotKept()
    {
        await StartAsync(StandInMode.Immutable, new() { ["Gateway:Cache:MaxCaptureBytes"] = "10" });
        _node!.HoldAnswersUntil = null;
        const string path = "/example.com/budget/@v/v1.0.0.mod";

        for (var i = 0; i < 2; i++)
        {
            var answer = await GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal("node:n0 GET " + path, answer.Body);
        }

        Assert.Equal(2, _node.Requests);
        Assert.Equal(0, Pending.CapturingBytes);
    }

    [Fact]
    public async Task LeaderWhoseClientGoesAway_ReleasesTheWaitingClients()
    {
        var release = await StartAsync(StandInMode.Immutable);
        const string path = "/example.com/gone/@v/v1.0.0.mod";

        using var leaderGone = new CancellationTokenSource();
        var leader = _client!.GetAsync(path, leaderGone.Token);
        await WaitForAsync(() => _node!.Requests == 1, "the first request reaches the node");
        var followers = Enumerable.Range(0, Followers).Select(_ => GetAsync(path)).ToList();
        await WaitForAsync(() => Pending.Waiting == Followers, "every follower waits for the first request");

        await leaderGone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader);
        await WaitForAsync(() => _node!.Requests > 1, "a follower goes to the node once the first request is gone");
        release.SetResult();
        var answers = await Task.WhenAll(followers);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Equal("node:n0 GET " + path, a.Body));
    }

    private PendingAnswers Pending => _gateway!.Services.GetRequiredService<PendingAnswers>();

    private async Task<TaskCompletionSource> StartAsync(StandInMode mode, Dictionary<string, string?>? settings = null)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _node = await StandInNode.StartAsync("n0");
        _node.Mode = mode;
        _node.HoldAnswersUntil = release.Task;
        var all = new Dictionary<string, string?>
        {
            ["Gateway:HealthProbeInterval"] = "00:01:00",
            ["Gateway:Hedging:Enabled"] = "false",
            ["Gateway:RetryOnAnotherNode"] = "false",
        };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }

        _gateway = await TestGateway.StartAsync([_node.Url], all);
        _client = LoadLoop.NewClient(_gateway.BaseAddress);
        return release;
    }

    /// <summary>One request at the node (held there), then <see cref="Followers"/> more of the same path, all waiting in the gateway.</summary>
    private async Task<List<Task<(HttpStatusCode Status, string Body)>>> StartBurstAsync(string path)
    {
        var leader = GetAsync(path);
        await WaitForAsync(() => _node!.Requests == 1, "the first request reaches the node");
        var followers = Enumerable.Range(0, Followers).Select(_ => GetAsync(path)).ToList();
        await WaitForAsync(() => Pending.Waiting == Followers, "every follower waits for the first request");
        Assert.Equal(1, _node!.Requests);
        return [leader, .. followers];
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _client!.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}
