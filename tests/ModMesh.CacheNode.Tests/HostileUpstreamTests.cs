using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// An upstream that is hostile rather than broken: redirects anywhere, drips bytes, lies in its answers, sends huge
/// or malformed content. Each is answered as the upstream's failure (502/504, never 500), nothing unchecked is
/// committed, and the node's own limits hold (redirects, transfer rate, concurrent fills, remembered refusals).
/// </summary>
public sealed class HostileUpstreamTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Theory]
    [InlineData("@v/v1.0.0.info")]
    [InlineData("@v/v1.0.0.mod")]
    [InlineData("@v/v1.0.0.zip")]
    [InlineData("@v/list")]
    [InlineData("@latest")]
    public async Task Get_UpstreamRedirectsToFileUrl_Returns502NamingTheRefusalWithoutThePath(string file)
    {
        const string path = "example.com/hostile/file-redirect";
        _upstream.AddModule(path, "v1.0.0");
        _upstream.InjectFault(null, UpstreamFault.RedirectTo("file:///etc/passwd"));
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/{file}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("refused", body, StringComparison.Ordinal);
        Assert.Contains("redirect", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/etc/passwd", body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.Equal(1, _upstream.TotalRequests);
        Assert.False(Directory.Exists(Path.Combine(node.StoragePath, "modules")) && Directory.EnumerateFiles(Path.Combine(node.StoragePath, "modules"), "*", SearchOption.AllDirectories).Any());
    }

    [Theory]
    [InlineData("@v/v1.0.0.info")]
    [InlineData("@v/v1.0.0.zip")]
    [InlineData("@latest")]
    public async Task Get_UpstreamRedirectsToAnotherHost_Returns502AndOtherHostIsNeverAsked(string file)
    {
        const string path = "example.com/hostile/cross-host";
        await using var other = await ScriptedUpstream.StartAsync();
        other.AddModule(path, "v1.0.0");
        _upstream.InjectFault(null, UpstreamFault.RedirectTo(other.Url + ScriptedUpstream.UrlPath(path, file)));
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/{file}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("refused a redirect to another host", body, StringComparison.Ordinal);
        Assert.Equal(0, other.TotalRequests);
    }

    [Theory]
    [InlineData("@v/v1.0.0.info")]
    [InlineData("@v/v1.0.0.zip")]
    [InlineData("@latest")]
    public async Task Get_UpstreamRedirectsToConfiguredRedirectHost_FollowedAndServed(string file)
    {
        const string path = "example.com/hostile/cdn";
        await using var cdn = await ScriptedUpstream.StartAsync();
        var module = cdn.AddModule(path, "v1.0.0");
        _upstream.InjectFault(null, UpstreamFault.RedirectTo(cdn.Url + ScriptedUpstream.UrlPath(path, file), 307));
        var cdnAuthority = new Uri(cdn.Url).Authority;
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:RedirectHosts"] = cdnAuthority });

        using var response = await node.Client.GetAsync($"{path}/{file}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = file.EndsWith(".zip", StringComparison.Ordinal) ? module.Version("v1.0.0").SmallZip : module.Version("v1.0.0").Info;
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, cdn.RequestCount(path, file));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Get_UpstreamRedirectLoop_Returns502AfterAtMostMaxRedirectsPlusOneUpstreamRequests(int maxRedirects)
    {
        const string path = "example.com/hostile/loop";
        _upstream.AddModule(path, "v1.0.0");
        string[] files = ["@v/v1.0.0.info", "@v/v1.0.0.mod", "@v/v1.0.0.zip", "@v/list", "@latest"];
        foreach (var file in files)
        {
            var self = ScriptedUpstream.UrlPath(path, file);
            _upstream.InjectFault(self, UpstreamFault.RedirectTo(self, 301));
        }

        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:MaxRedirects"] = maxRedirects.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        foreach (var file in files)
        {
            var before = _upstream.TotalRequests;
            using var response = await node.Client.GetAsync($"{path}/{file}");
            var asked = _upstream.TotalRequests - before;

            output.WriteLine($"{file}: {(int)response.StatusCode} after {asked} upstream requests (MaxRedirects {maxRedirects})");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains($"more than {maxRedirects} redirects", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.InRange(asked, 1, maxRedirects + 1);
        }
    }

    [Theory]
    [InlineData("@v/v1.0.0.zip")]
    [InlineData("@v/v1.0.0.info")]
    [InlineData("@v/v1.0.0.mod")]
    [InlineData("@latest")]
    public async Task Get_UpstreamDripsOneByteEveryHalfSecond_Returns502SoonAfterGraceAndCommitsNothing(string file)
    {
        const string path = "example.com/hostile/drip";
        _upstream.AddModule(path, "v1.0.0");
        _upstream.InjectFault(null, UpstreamFault.Drip(TimeSpan.FromMilliseconds(500)));
        var grace = TimeSpan.FromSeconds(1);
        var fillTimeout = TimeSpan.FromSeconds(60);
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["ModMesh:MinTransferBytesPerSecond"] = "1000",
            ["ModMesh:TransferRateGrace"] = "00:00:01",
            ["ModMesh:Fill:Timeout"] = "00:01:00",
            ["ModMesh:Fill:WaitTimeout"] = "00:01:00",
            ["ModMesh:Cache:RefreshTimeout"] = "00:01:00",
        });

        var clock = Stopwatch.StartNew();
        using var response = await node.Client.GetAsync($"{path}/{file}");
        var elapsed = clock.Elapsed;
        var body = await response.Content.ReadAsStringAsync();

        output.WriteLine($"{file}: {(int)response.StatusCode} after {elapsed.TotalSeconds:F2} s: {body.Trim()}");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);

        // The rate check trips once the grace has passed (about 1 s, the upstream having sent 2 bytes), far from the
        // fill's own deadline; the upper bound leaves a loaded machine 20 times the expected time.
        Assert.True(elapsed >= grace - TimeSpan.FromMilliseconds(100), $"failed after {elapsed}, before the grace of {grace}");
        Assert.True(elapsed < fillTimeout / 3, $"failed only after {elapsed} (fill timeout {fillTimeout})");
        if (file.StartsWith("@v/", StringComparison.Ordinal))
        {
            Assert.Contains("under the minimum rate of 1000 bytes/s", body, StringComparison.Ordinal);
            Assert.False(File.Exists(node.FileOf(path, file[3..])), "nothing committed");
        }
    }

    [Fact]
    public async Task Info_TimeIsNotATime_Returns502AndTheRefusalIsRememberedForItsTimeToLive()
    {
        const string path = "example.com/hostile/bad-time";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        version.Info = """{"Version":"v1.0.0","Time":"not-a-time"}"""u8.ToArray();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await TestNode.StartAsync(
            _upstream,
            new Dictionary<string, string?> { ["ModMesh:Fill:RejectedTimeToLive"] = "00:05:00" },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));

        using (var first = await node.Client.GetAsync($"{path}/@v/v1.0.0.info"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
            Assert.Contains("not an RFC 3339 time", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.info")), "a refused .info is not committed");
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.info"));

        // Within the time to live the refusal is answered from memory.
        clock.Advance(TimeSpan.FromMinutes(4));
        using (var second = await node.Client.GetAsync($"{path}/@v/v1.0.0.info"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
            Assert.Contains("not an RFC 3339 time", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.info"));

        // After it, the upstream is asked again (and its fixed answer is taken).
        clock.Advance(TimeSpan.FromMinutes(1.5));
        version.Info = """{"Version":"v1.0.0","Time":"2024-01-02T03:04:05Z"}"""u8.ToArray();
        using (var third = await node.Client.GetAsync($"{path}/@v/v1.0.0.info"))
        {
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);
            Assert.Equal(version.Info, await third.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(2, _upstream.RequestCount(path, "@v/v1.0.0.info"));
    }

    [Fact]
    public async Task Info_NamesAnotherVersion_Returns502AndCommitsNothing()
    {
        const string path = "example.com/hostile/other-version";
        _upstream.AddModule(path, "v1.0.0").Version("v1.0.0").Info = """{"Version":"v1.0.1","Time":"2024-01-02T03:04:05Z"}"""u8.ToArray();
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.info");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("v1.0.1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.info")));
    }

    [Fact]
    public async Task Mod_DeclaresAnotherModule_Returns502AndCommitsNothing()
    {
        const string path = "example.com/hostile/other-module";
        _upstream.AddModule(path, "v1.0.0").Version("v1.0.0").Mod = "module example.com/somebody/else\n\ngo 1.19\n"u8.ToArray();
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.mod");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("go.mod", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.mod")));
    }

    [Fact]
    public async Task Zip_GoModDiffersFromCommittedMod_Returns502AndModStaysUnchanged()
    {
        const string path = "example.com/hostile/zip-mod";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        await using var node = await TestNode.StartAsync(_upstream);
        var mod = await node.Client.GetByteArrayAsync($"{path}/@v/v1.0.0.mod");
        Assert.Equal(version.Mod, mod);

        version.SmallZip = ScriptedVersion.BuildZip(path, "v1.0.0", "module example.com/hostile/zip-mod\n\ngo 1.22\n\nrequire example.com/evil v1.0.0\n"u8.ToArray());
        using var zip = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip");

        Assert.Equal(HttpStatusCode.BadGateway, zip.StatusCode);
        Assert.Contains("differs from the committed .mod", await zip.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.zip")));
        Assert.Equal(mod, await node.Client.GetByteArrayAsync($"{path}/@v/v1.0.0.mod"));
        Assert.Equal(mod, await File.ReadAllBytesAsync(node.FileOf(path, "v1.0.0.mod")));
    }

    [Theory]
    [InlineData("@latest")]
    [InlineData("@v/master.info")]
    public async Task Query_UpstreamAnswersHtmlWithControlBytes_Returns502NotJsonAndNothingCached(string file)
    {
        const string path = "example.com/hostile/html";
        var module = _upstream.AddModule(path, "v1.0.0").AddQuery("master", "v1.0.0");
        var html = Encoding.UTF8.GetBytes("<html><body>\u001b[31mhello\u0000world</body></html>");
        var raw = ScriptedUpstream.UrlPath(path, file);
        _upstream.InjectFault(raw, UpstreamFault.Serve(html, "text/html"));
        await using var node = await TestNode.StartAsync(_upstream);

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            using var response = await node.Client.GetAsync($"{path}/{file}");
            var body = await response.Content.ReadAsByteArrayAsync();

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(body, b => b is 0 or 0x1b);
            Assert.DoesNotContain("<html>", Encoding.UTF8.GetString(body), StringComparison.Ordinal);

            // Not cached: every request asks the upstream again.
            Assert.Equal(attempt, _upstream.RequestCount(raw));
        }

        _upstream.ClearFault(raw);
        using var healed = await node.Client.GetAsync($"{path}/{file}");
        Assert.Equal(HttpStatusCode.OK, healed.StatusCode);
        Assert.Equal(module.Version("v1.0.0").Info, await healed.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task List_UpstreamSendsGarbageLines_OnlyValidVersionsServed()
    {
        const string path = "example.com/hostile/list";
        _upstream.AddModule(path, "v1.0.0");
        var garbage = Encoding.UTF8.GetBytes(string.Join('\n',
            "v1.0.0",
            "not-a-version",
            "v2.0.0",
            "\u001b[31mv1.1.0",
            "v1.0.1 2024-01-02T03:04:05Z",
            "../../etc/passwd",
            "v1.2.0-pre",
            "v1.3",
            "<html>",
            "v1.4.0\u0000",
            "V1.5.0",
            "v1.6.0+meta",
            "v" + new string('9', 300) + ".0.0",
            "") + "\n");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/list"), UpstreamFault.Serve(garbage, "text/plain; charset=utf-8"));
        await using var node = await TestNode.StartAsync(_upstream);

        using var response = await node.Client.GetAsync($"{path}/@v/list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["v1.0.0", "v1.0.1", "v1.2.0-pre"], lines.Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Zip_RefusedAsTooLarge_DownloadedOnceThenRemembered(bool unsized)
    {
        const string path = "example.com/hostile/large";
        _upstream.AddLargeZip(path, "v1.0.0", 256 * 1024);
        if (unsized)
        {
            _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Unsized);
        }

        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["ModMesh:Fill:MaxZipBytes"] = "65536",
            ["ModMesh:Fill:RejectedTimeToLive"] = "00:10:00",
        });

        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var response = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("limit", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
        Assert.False(File.Exists(node.FileOf(path, "v1.0.0.zip")));
    }

    [Fact]
    public async Task Zip_SecondFillOverMaxConcurrentFills_Returns503WithRetryAfterAndFirstSucceeds()
    {
        const string path = "example.com/hostile/cap";
        var module = _upstream.AddModule(path, "v1.0.0", "v1.1.0");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Gated(release.Task));
        await using var node = await TestNode.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["ModMesh:Fill:MaxConcurrentFills"] = "1",
            ["ModMesh:Fill:FillSlotWait"] = "00:00:00.100",
        });

        var first = node.Client.GetAsync($"{path}/@v/v1.0.0.zip");
        try
        {
            // The first fill holds the only slot while the upstream holds its answer back.
            Assert.True(await Eventually.TrueAsync(() => _upstream.RequestCount(path, "@v/v1.0.0.zip") == 1, TimeSpan.FromSeconds(20)), "the first fill never reached the upstream");

            using var second = await node.Client.GetAsync($"{path}/@v/v1.1.0.zip");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
            Assert.NotNull(second.Headers.RetryAfter);
            Assert.Contains("overloaded", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(0, _upstream.RequestCount(path, "@v/v1.1.0.zip"));
        }
        finally
        {
            release.TrySetResult();
        }

        using var firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(module.Version("v1.0.0").SmallZip, await firstResponse.Content.ReadAsByteArrayAsync());

        // Overload is not remembered: with the slot free, the second version is filled.
        using var retry = await node.Client.GetAsync($"{path}/@v/v1.1.0.zip");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
    }
}
