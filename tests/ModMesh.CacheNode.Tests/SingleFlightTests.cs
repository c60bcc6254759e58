using System.Diagnostics;
using System.Net;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.CacheNode.Tests;

/// <summary>Rule 4 of the design: however many clients ask at once, one upstream fetch per module version.</summary>
public sealed class SingleFlightTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Zip_HundredConcurrentRequestsForUncachedVersion_OneUpstreamFetchAndIdenticalBytes()
    {
        const string path = "example.com/single/flight";
        const int clients = 100;
        var version = _upstream.AddLargeZip(path, "v1.0.0", 4 << 20);
        var expected = await version.ZipSha256Async();
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Delayed(TimeSpan.FromMilliseconds(300)));
        await using var node = await TestNode.StartAsync(_upstream);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        async Task<Download> DownloadAsync()
        {
            await start.Task;
            using var response = await client.GetAsync($"{path}/@v/v1.0.0.zip", HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new Download(response.StatusCode, [], 0L);
            }

            var (hash, length) = await Hashing.Sha256Async(response);
            return new Download(response.StatusCode, hash, length);
        }

        var downloads = Enumerable.Range(0, clients).Select(_ => Task.Run(DownloadAsync)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(downloads);
        clock.Stop();

        var statuses = results.GroupBy(r => r.StatusCode).Select(g => $"{(int)g.Key}×{g.Count()}");
        output.WriteLine($"{clients} concurrent GETs of a {version.ZipLength:N0}-byte zip: {string.Join(", ", statuses)} in {clock.ElapsedMilliseconds} ms; " +
                         $"upstream requests: .info {_upstream.RequestCount(path, "@v/v1.0.0.info")}, .mod {_upstream.RequestCount(path, "@v/v1.0.0.mod")}, .zip {_upstream.RequestCount(path, "@v/v1.0.0.zip")}");
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(results, r => Assert.Equal(version.ZipLength, r.Length));
        Assert.All(results, r => Assert.Equal(expected, r.Hash));
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
        Assert.Equal(0, _upstream.RequestCount(path, "@v/v1.0.0.mod")); // each file on its own demand
        Assert.Equal(0, _upstream.RequestCount(path, "@v/v1.0.0.info"));
    }

    private sealed record Download(HttpStatusCode StatusCode, byte[] Hash, long Length);

    [Theory]
    [InlineData("@v/list")]
    [InlineData("@latest")]
    [InlineData("@v/master.info")]
    public async Task Query_ConcurrentFirstRequests_OneUpstreamRequestAndSameAnswer(string query)
    {
        const string path = "example.com/single/query";
        _upstream.AddModule(path, "v1.0.0", "v1.1.0").AddQuery("master", "v1.1.0");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, query), UpstreamFault.Delayed(TimeSpan.FromMilliseconds(300)));
        await using var node = await TestNode.StartAsync(_upstream);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await node.Client.GetAsync($"{path}/{query}");
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }));

        Assert.Single(answers.Distinct());
        Assert.StartsWith("200 ", answers[0], StringComparison.Ordinal);
        Assert.Equal(1, _upstream.RequestCount(path, query));
    }

    [Fact]
    public async Task Zip_ConcurrentRequestsWhileUpstreamFails_AllGet502AndOneUpstreamFetch()
    {
        const string path = "example.com/single/failing";
        _upstream.AddModule(path, "v1.0.0");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), new UpstreamFault { Delay = TimeSpan.FromMilliseconds(300), StatusCode = 500 });
        await using var node = await TestNode.StartAsync(_upstream);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => node.Client.GetAsync($"{path}/@v/v1.0.0.zip")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode));
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }
}
