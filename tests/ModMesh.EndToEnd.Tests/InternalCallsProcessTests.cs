using System.Net;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// The fetcher and cache node as real processes with <c>ModMesh:InternalKey</c>: a client that calls them directly,
/// around the gateway, is refused (403) and nothing is fetched for it; the same call with the key is served; health
/// probes need no key.
/// </summary>
public sealed class InternalCallsProcessTests : IAsyncLifetime
{
    private const string Key = "process-internal-key-0123456789abcdefghijkl";
    private const string Module = "example.com/public/synth";

    private readonly string _folder = TempDirectory.CreateUnique("e2e-internal");
    private StaticGoProxyServer _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await StaticGoProxyServer.StartAsync(Directory.CreateDirectory(Path.Combine(_folder, "tree")).FullName);
        _upstream.AddSyntheticModule(Module, "v1.0.0", 2048);
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        TempDirectory.Delete(_folder);
    }

    [Theory]
    [InlineData(ServiceProcess.Services.Fetcher, "POST", "/fill/example.com/public/synth@v1.0.0")]
    [InlineData(ServiceProcess.Services.CacheNode, "GET", "/example.com/public/synth/@v/v1.0.0.zip")]
    [InlineData(ServiceProcess.Services.CacheNode, "PUT", "/example.com/public/synth/@v/v1.0.1.zip")]
    public async Task DirectCallWithoutTheKey_Is403_NothingFetched_WithTheKeyServed(string service, string method, string path)
    {
        await using var process = await ServiceProcess.StartAsync(service, new Dictionary<string, string?>
        {
            ["ModMesh__Upstream"] = _upstream.Url,
            ["ModMesh__Sumdb"] = "off",
            ["ModMesh__InternalKey"] = Key,
            ["ModMesh__Storage__Path"] = Path.Combine(_folder, Path.GetFileName(service) + "-store"),
        });
        using var client = new HttpClient { BaseAddress = new Uri(process.Url) };

        using var direct = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : new ByteArrayContent([1]) });
        using var probe = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(0, _upstream.TotalRequests);

        if (method != "PUT")
        {
            using var marked = new HttpRequestMessage(new HttpMethod(method), path);
            marked.Headers.Add("ModMesh-Internal-Key", Key); // ServiceDefaults.Internal.InternalCalls.HeaderName
            using var served = await client.SendAsync(marked);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.True(_upstream.TotalRequests > 0);
        }
    }
}
