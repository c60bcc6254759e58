using System.Diagnostics;
using System.Security.Cryptography;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

public sealed class NodeCrashFixture : ScriptedClusterFixture
{
    public const string Module = "example.com/cluster/nodecrash";
    public const string Version = "v1.0.0";

    protected override void Script(ScriptedUpstream upstream, UpstreamFront front) =>
        // Much larger than every socket buffer between the node and the client: the kill lands mid-body.
        upstream.AddLargeZip(Module, Version, 96L << 20);
}

/// <summary>A cache node dies while it streams a committed zip to a slow client through the gateway.</summary>
public sealed class NodeCrashTests(NodeCrashFixture fixture, ITestOutputHelper output) : IClassFixture<NodeCrashFixture>
{
    private const string KindZip = "Zip";

    [Fact]
    public async Task KillNode_WhileStreamingZip_ClientFailsCleanlyAndGatewayRetrySucceeds()
    {
        var cluster = fixture.Cluster;
        output.WriteLine($"cluster started in {cluster.StartTime.TotalSeconds:F1} s");
        var version = fixture.Upstream.Module(NodeCrashFixture.Module).Version(NodeCrashFixture.Version);
        var expected = Http.Hex(await version.ZipSha256Async());
        var zipPath = ScriptedUpstream.UrlPath(NodeCrashFixture.Module, $"@v/{NodeCrashFixture.Version}.zip");
        using var client = Http.NewClient(TimeSpan.FromSeconds(90));

        // The zip is committed first (filled by a fetcher).
        var fill = await Http.GetAsync(client, cluster.Nodes[0].Url + zipPath);
        Assert.True(fill.Ok && fill.Sha256 == expected, $"{fill}{Environment.NewLine}{cluster.Diagnostics()}");
        output.WriteLine($"committed: {fill}");

        // A slow client through the gateway: headers, then 1 MiB, then find the node that serves it.
        var before = await ZipAnswersByNodeAsync(client);
        using var response = await client.GetAsync(cluster.Gateway.Url + zipPath, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        var announced = response.Content.Headers.ContentLength;
        output.WriteLine($"gateway answered 200 with Content-Length {announced?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none: chunked)"}");
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long received = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (received < (1L << 20))
        {
            var n = await body.ReadAsync(buffer);
            Assert.True(n > 0, "the body ended before 1 MiB");
            hash.AppendData(buffer, 0, n);
            received += n;
        }

        ServiceProcess? serving = null;
        Assert.True(
            await Http.WaitUntilAsync(
                async () =>
                {
                    var now = await ZipAnswersByNodeAsync(client);
                    var grew = Enumerable.Range(0, now.Length).Where(i => now[i] > before[i]).ToArray();
                    serving = grew.Length == 1 ? cluster.Nodes[grew[0]] : null;
                    return serving is not null;
                },
                TimeSpan.FromSeconds(5)),
            "could not tell which node serves the download");
        output.WriteLine($"{serving} serves the download; {received} bytes read; killing it");
        var clock = Stopwatch.StartNew();
        serving!.Kill();

        // Keep reading slowly: the body must end in an error, never as a shorter body that looks complete.
        Exception? failure = null;
        try
        {
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                received += n;
                await Task.Delay(1);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            failure = ex;
        }

        output.WriteLine($"client after the kill: {received} of {announced} bytes, {(failure is null ? "body ended WITHOUT an error" : $"{failure.GetType().Name}: {failure.Message}")} ({clock.ElapsedMilliseconds} ms after the kill)");
        Assert.True(received < version.ZipLength, "the whole zip arrived before the kill took effect: the test did not cut mid-body");
        Assert.NotNull(failure);

        // Retry through the gateway until a complete, correct zip arrives.
        var attempts = new List<Answer>();
        Answer? good = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(15) && good is null)
        {
            var answer = await Http.GetAsync(client, cluster.Gateway.Url + zipPath);
            attempts.Add(answer);
            if (answer.Ok && answer.Sha256 == expected && answer.Length == version.ZipLength)
            {
                good = answer;
            }
            else
            {
                await Task.Delay(250);
            }
        }

        foreach (var attempt in attempts)
        {
            output.WriteLine($"retry: {attempt}");
        }

        output.WriteLine($"kill → complete correct zip through the gateway: {clock.Elapsed.TotalSeconds:F1} s, {attempts.Count} attempt(s)");
        Assert.True(good is not null, $"no retry succeeded{Environment.NewLine}{cluster.Diagnostics()}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the retry took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>200 answers to zip requests so far, per node (the node's own request counter).</summary>
    private async Task<double[]> ZipAnswersByNodeAsync(HttpClient client)
    {
        var counts = new double[fixture.Cluster.Nodes.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            var node = fixture.Cluster.Nodes[i];
            counts[i] = node.HasExited ? 0 : (await Metrics.ScrapeAsync(client, node)).Sum("modmesh_proxy_requests_total", ("kind", KindZip), ("status", "200"));
        }

        return counts;
    }
}
