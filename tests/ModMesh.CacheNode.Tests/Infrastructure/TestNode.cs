using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests.Infrastructure;

/// <summary>
/// A cache node running in this process on a real Kestrel listener (127.0.0.1, free port), with a temporary folder
/// store and a <see cref="ScriptedUpstream"/> as its only upstream. Raw sockets can reach it, so requests keep
/// their exact bytes ("..", NUL, non-ASCII).
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly Factory _factory;
    private readonly bool _ownsStorage;

    private TestNode(Factory factory, string storagePath, bool ownsStorage)
    {
        _factory = factory;
        StoragePath = storagePath;
        _ownsStorage = ownsStorage;
        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        Client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>"http://127.0.0.1:port/".</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client for the node (no decompression, 30 s timeout).</summary>
    public HttpClient Client { get; }

    /// <summary>The node's folder store root ("ModMesh:Storage:Path").</summary>
    public string StoragePath { get; }

    /// <summary>The node's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts a node whose upstream is <paramref name="upstream"/>. <paramref name="settings"/> are configuration keys
    /// ("ModMesh:Fill:WaitTimeout" = "00:00:00.3"); <paramref name="storagePath"/> reuses a folder (not deleted on dispose).
    /// </summary>
    public static Task<TestNode> StartAsync(
        ScriptedUpstream upstream,
        IReadOnlyDictionary<string, string?>? settings = null,
        string? storagePath = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var owns = storagePath is null;
        storagePath ??= TempDirectory.CreateUnique("cachenode-test");
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ModMesh:Upstream"] = upstream.Url,
            ["ModMesh:Private"] = "",
            ["ModMesh:Sumdb"] = "off",
            ["ModMesh:Storage:Path"] = storagePath,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var factory = new Factory(all, configureServices);
        factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return Task.FromResult(new TestNode(factory, storagePath, owns));
    }

    /// <summary>The absolute path of one stored file, e.g. <c>FileOf("example.com/a", "v1.0.0.zip")</c>.</summary>
    public string FileOf(string modulePath, string escapedFile) =>
        Path.Combine(StoragePath, "modules", ScriptedUpstream.Escape(modulePath), "@v", escapedFile);

    /// <summary>Sends a raw HTTP/1.1 request with exactly <paramref name="target"/> as its request target.</summary>
    public Task<RawResponse> SendRawAsync(byte[] target, string method = "GET") => RawHttp.SendAsync(BaseAddress, method, target);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        if (_ownsStorage)
        {
            TempDirectory.Delete(StoragePath);
        }
    }

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices)
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (configureServices is not null)
            {
                builder.ConfigureTestServices(configureServices);
            }
        }
    }
}
