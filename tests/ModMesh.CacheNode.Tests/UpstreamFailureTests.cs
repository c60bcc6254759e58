using System.Diagnostics;
using System.Net;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>How the node answers when its upstream fails, hangs, is slow, lies about sizes or cuts transfers.</summary>
public sealed class UpstreamFailureTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Theory]
    [InlineData("@v/v1.0.0.zip", 500)]
    [InlineData("@v/v1.0.0.zip", 503)]
    [InlineData("@v/v1.0.0.mod", 500)]
    [InlineData("@v/v1.0.0.info", 500)]
    [InlineData("@v/list", 500)]
    [InlineData("@latest", 503)]
    [InlineData("@v/master.info", 500)]
    public async Task Get_UpstreamErrorNothingCached_Returns502(string file, int upstreamStatus)
    {
        const string path = "example.com/fail/error";
        _upstream.AddModule(path, "v1.0.0").AddQuery("master", "v1.0.0");
        _upstream.InjectFault(null, UpstreamFault.Status(upstreamStatus));
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/{file}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.info")));
    }

    [Theory]
    [InlineData("@v/list")]
    [InlineData("@latest")]
    [InlineData("@v/master.info")]
    [InlineData("@v/v1.0.0.info")]
    [InlineData("@v/v1.0.0.zip")]
    public async Task Get_UpstreamHangs_Returns504WithinResponseTimeout(string file)
    {
        const string path = "example.com/fail/hang";
        _upstream.AddModule(path, "v1.0.0").AddQuery("master", "v1.0.0");
        _upstream.InjectFault(null, UpstreamFault.Hanging);
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:ResponseTimeout"] = "00:00:00.300" });

        var clock = Stopwatch.StartNew();
        using var response = await node.Client.GetAsync($"{path}/{file}");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Zip_FillOutlastsWaitTimeout_Returns503WithRetryAfterAndFillGoesOn()
    {
        const string path = "example.com/fail/slow";
        var module = _upstream.AddModule(path, "v1.0.0");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Delayed(TimeSpan.FromSeconds(1.5)));
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:WaitTimeout"] = "00:00:00.200" });

        using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(response.Headers.RetryAfter.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");

        // The fill was not abandoned with the wait: it commits, and a later request gets the bytes.
        var committed = await Eventually.TrueAsync(() => File.Exists(node.FileOf(path, "v1.0.0.zip")), TimeSpan.FromSeconds(10));
        Assert.True(committed, "the fill went on after the waiter gave up");
        using var retry = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(module.Version("v1.0.0").SmallZip, await retry.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
    }

    [Fact]
    public async Task Zip_OverMaxZipBytes_Returns502AndCommitsNothing()
    {
        const string path = "example.com/fail/huge";
        _upstream.AddLargeZip(path, "v1.0.0", 256 * 1024);
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:MaxZipBytes"] = "65536" });

        using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip");
        using var mod = await node.Client.GetAsync($"{path}/@v/v1.0.0.mod");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("limit", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, mod.StatusCode); // the go.mod stands on its own
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.zip")), "no zip left behind");
    }

    [Fact]
    public async Task Zip_OverMaxZipBytesWithoutContentLength_Returns502AndCommitsNothing()
    {
        const string path = "example.com/fail/huge-unsized";
        _upstream.AddLargeZip(path, "v1.0.0", 512 * 1024);
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Unsized);
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:MaxZipBytes"] = "65536" });

        using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.info")), "no commit marker");
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.zip")), "no zip left behind");
        Assert.Empty(Directory.Exists(Path.Combine(node.StoragePath, ".tmp")) ? Directory.GetFiles(Path.Combine(node.StoragePath, ".tmp")) : []);
    }

    [Fact]
    public async Task Zip_UnsizedUpstreamUnderLimit_ServedWhole()
    {
        const string path = "example.com/fail/unsized";
        var version = _upstream.AddLargeZip(path, "v1.0.0", 300 * 1024);
        _upstream.InjectFault(null, UpstreamFault.Unsized);
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await version.ZipSha256Async(), (await Hashing.Sha256Async(response)).Hash);
    }

    [Fact]
    public async Task Zip_ClientHangsUpDuringFill_FillCompletesAndIsNotFetchedAgain()
    {
        const string path = "example.com/fail/hangup";
        var module = _upstream.AddModule(path, "v1.0.0");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Gated(release.Task));
        await using var node = await TestNode.StartAsync(_upstream);

        // The client hangs up once its fill is under way (the upstream holds the zip request), however slow the
        // machine; only then does the upstream answer. No timing is assumed.
        using (var impatient = new CancellationTokenSource())
        {
            var request = node.Client.GetAsync($"{path}/@v/v1.0.0.zip", impatient.Token);
            Assert.True(await Eventually.TrueAsync(() => _upstream.RequestCount(path, "@v/v1.0.0.zip") == 1, TimeSpan.FromSeconds(30)), "the fill never reached the upstream");
            await impatient.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }

        release.SetResult();
        Assert.True(await Eventually.TrueAsync(() => File.Exists(node.FileOf(path, "v1.0.0.zip")), TimeSpan.FromSeconds(30)), "the fill outlived the client that started it");
        Assert.Equal(module.Version("v1.0.0").SmallZip, await node.Client.GetByteArrayAsync($"{path}/@v/v1.0.0.zip"));
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
    }

    [Fact]
    public async Task Zip_UpstreamDropsConnectionMidBody_Returns502ThenRetrySucceedsAfterRecovery()
    {
        const string path = "example.com/fail/drop";
        var version = _upstream.AddLargeZip(path, "v1.0.0", 2 << 20);
        var zipPath = ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip");
        _upstream.InjectFault(zipPath, UpstreamFault.DropAfter(300_000));
        await using var node = await TestNode.StartAsync(_upstream);

        using (var failed = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.zip")), "a cut transfer is not committed");
        using (var mod = await node.Client.GetAsync($"{path}/@v/v1.0.0.mod"))
        {
            // Each file is filled on its own: the go.mod does not depend on the broken zip.
            Assert.Equal(HttpStatusCode.OK, mod.StatusCode);
        }

        _upstream.ClearFault(zipPath);
        using var retry = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var (hash, length) = await Hashing.Sha256Async(retry);
        Assert.Equal(version.ZipLength, length);
        Assert.Equal(await version.ZipSha256Async(), hash);
    }

    [Fact]
    public async Task Get_PrivateModule_NeverAsksUpstreamAndReturns404()
    {
        const string path = "corp.example.com/team/secret";
        _upstream.AddModule(path, "v1.0.0").AddQuery("master", "v1.0.0");
        _upstream.AddModule("example.com/public", "v1.0.0");
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Private"] = "corp.example.com" });

        foreach (var file in new[] { "@v/list", "@latest", "@v/v1.0.0.info", "@v/master.info", "@v/v1.0.0.mod", "@v/v1.0.0.zip" })
        {
            using var response = await node.Client.GetAsync($"{path}/{file}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{file}: {(int)response.StatusCode}");
        }

        Assert.Equal(0, _upstream.ModuleRequestCount(path));

        // The upstream works: a public module through the same node is fetched.
        using var publicZip = await node.Client.GetAsync("example.com/public/@v/v1.0.0.zip");
        Assert.Equal(HttpStatusCode.OK, publicZip.StatusCode);
    }
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
