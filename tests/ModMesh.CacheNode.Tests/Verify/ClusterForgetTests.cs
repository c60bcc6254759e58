using System.Diagnostics;
using System.Net;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Servers;

namespace ModMesh.CacheNode.Tests.Verify;

/// <summary>
/// Two nodes over one store and a real Redis: node B has served a zip (and keeps its bytes in memory, as committed
/// files never change); node A quarantines it. B must forget it (the Redis forget notice) and fill it again on the next
/// request instead of serving what it remembered.
/// </summary>
public sealed class ClusterForgetTests : IAsyncLifetime
{
    private const string Module = "example.com/verify/cluster";
    private readonly string _storage = TempDirectory.CreateUnique("verify-cluster");
    private RedisServer _redis = null!;
    private ScriptedUpstream _upstream = null!;
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _redis = new RedisServer();
        _upstream = await ScriptedUpstream.StartAsync();
        _upstream.AddModule(Module, "v1.0.0");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = _redis.ConnectionString,
            ["ModMesh:Coordination:JobSigningKey"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 7)).ToArray()),
            ["ModMesh:Coordination:KeyPrefix"] = $"verify-{Guid.NewGuid():N}:",
            ["ModMesh:Fill:Mode"] = "Local",
            [InternalCalls.ConfigurationKey] = VerifyTests.InternalKey,
        };
        _a = await TestNode.StartAsync(_upstream, settings, _storage);
        _b = await TestNode.StartAsync(_upstream, settings, _storage);
        _a.Client.DefaultRequestHeaders.Add(InternalCalls.HeaderName, VerifyTests.InternalKey);
        _b.Client.DefaultRequestHeaders.Add(InternalCalls.HeaderName, VerifyTests.InternalKey);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _upstream.DisposeAsync();
        await _redis.DisposeAsync();
        TempDirectory.Delete(_storage);
    }

    [Fact]
    public async Task QuarantineOnOneNode_OtherNodeForgetsItsCopy_AndFillsAgain()
    {
        using (var first = await _b.Client.GetAsync($"{Module}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.Equal(1, _upstream.RequestCount(Module, "@v/v1.0.0.zip"));
        var stored = _b.FileOf(Module, "v1.0.0.zip");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 3] ^= 0xFF; // inside the entry data, well before the central directory of this small zip
        await File.WriteAllBytesAsync(stored, bytes);

        using (var served = await _b.Client.GetAsync($"{Module}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode); // B answers from memory, without a store read
        }

        using var verify = await _a.Client.PostAsync("admin/verify?quarantine=true", content: null);
        var report = await verify.Content.ReadAsStringAsync();
        Assert.Contains("\"quarantined\":1", report, StringComparison.Ordinal);
        Assert.False(File.Exists(stored));

        // The notice travels through Redis pub/sub: B forgets within moments; until then it may still answer from memory.
        var deadline = Stopwatch.StartNew();
        while (_upstream.RequestCount(Module, "@v/v1.0.0.zip") < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "node B kept serving its remembered copy of the quarantined zip");
            using var again = await _b.Client.GetAsync($"{Module}/@v/v1.0.0.zip");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            await Task.Delay(50);
        }

        Assert.True(File.Exists(stored));
    }
}
