using System.Net;
using System.Text;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests;

/// <summary>Rules 1 and 2 of the design: versions appear whole or not at all, and committed bytes never change.</summary>
public sealed class ConsistencyTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Get_WriterCrashedMidFile_LeftoverNeverVisibleUntilFillCommitsWholeFiles()
    {
        const string path = "example.com/consistency/half";
        var module = _upstream.AddModule(path, "v1.0.0");
        var version = module.Version("v1.0.0");
        var storage = TempDirectory.CreateUnique("cachenode-half");
        try
        {
            // A writer crashed mid-file: its bytes sit in the store's temp folder, never under a key (a file is
            // committed by one atomic rename once it is complete and checked).
            var temp = Path.Combine(storage, ".tmp");
            Directory.CreateDirectory(temp);
            await File.WriteAllTextAsync(Path.Combine(temp, "modules-example.com-consistency-half-@v-v1.0.0.zip"), "PK-truncated-garbage");
            var folder = Path.Combine(storage, "modules", "example.com", "consistency", "half", "@v");

            _upstream.InjectFault(null, UpstreamFault.Status(500));
            await using var node = await TestNode.StartAsync(_upstream, storagePath: storage);

            // Not served while the upstream cannot fill it, and not listed.
            using (var zip = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip"))
            {
                Assert.Equal(HttpStatusCode.BadGateway, zip.StatusCode);
                Assert.DoesNotContain("PK-truncated-garbage", await zip.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using (var mod = await node.Client.GetAsync($"{path}/@v/v1.0.0.mod"))
            {
                Assert.Equal(HttpStatusCode.BadGateway, mod.StatusCode);
            }

            using (var list = await node.Client.GetAsync($"{path}/@v/list"))
            {
                Assert.NotEqual(HttpStatusCode.OK, list.StatusCode);
            }

            // Once the upstream answers, each file is filled whole.
            _upstream.ClearFaults();
            using (var mod = await node.Client.GetAsync($"{path}/@v/v1.0.0.mod"))
            {
                Assert.Equal(HttpStatusCode.OK, mod.StatusCode);
                Assert.Equal(version.Mod, await mod.Content.ReadAsByteArrayAsync());
            }

            using (var zip = await node.Client.GetAsync($"{path}/@v/v1.0.0.zip"))
            {
                Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
                Assert.Equal(version.SmallZip, await zip.Content.ReadAsByteArrayAsync());
            }

            Assert.Equal(version.SmallZip, await File.ReadAllBytesAsync(Path.Combine(folder, "v1.0.0.zip")));
            Assert.Equal(version.Mod, await File.ReadAllBytesAsync(Path.Combine(folder, "v1.0.0.mod")));
            Assert.False(File.Exists(Path.Combine(folder, "v1.0.0.info")), "the .info was never asked for, so never fetched");
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    [Fact]
    public async Task Get_CommittedVersionUpstreamLaterServesOtherBytes_ServedBytesNeverChange()
    {
        const string path = "example.com/consistency/immutable";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        var originalZip = version.SmallZip!;
        var originalMod = version.Mod;
        var originalInfo = version.Info;
        var storage = TempDirectory.CreateUnique("cachenode-immutable");
        try
        {
            await using (var node = await TestNode.StartAsync(_upstream, storagePath: storage))
            {
                await AssertServesAsync(node, path, originalZip, originalMod, originalInfo);

                // The upstream now serves different content for the same version (a retag).
                version.Mod = Encoding.UTF8.GetBytes($"module {path}\n\ngo 1.21\n\nrequire example.com/evil v1.0.0\n");
                version.SmallZip = ScriptedVersion.BuildZip(path, "v1.0.0", version.Mod, "// tampered\n");
                version.Info = Encoding.UTF8.GetBytes("{\"Version\":\"v1.0.0\",\"Time\":\"2030-01-01T00:00:00Z\"}\n");

                await AssertServesAsync(node, path, originalZip, originalMod, originalInfo);
            }

            // A fresh node on the same store (nothing in memory) serves the committed bytes too, and never re-fetches.
            await using (var again = await TestNode.StartAsync(_upstream, storagePath: storage))
            {
                await AssertServesAsync(again, path, originalZip, originalMod, originalInfo);
            }

            Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
            Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.mod"));
            Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.info"));
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    private static async Task AssertServesAsync(TestNode node, string path, byte[] zip, byte[] mod, byte[] info)
    {
        Assert.Equal(zip, await node.Client.GetByteArrayAsync($"{path}/@v/v1.0.0.zip"));
        Assert.Equal(mod, await node.Client.GetByteArrayAsync($"{path}/@v/v1.0.0.mod"));
        Assert.Equal(info, await node.Client.GetByteArrayAsync($"{path}/@v/v1.0.0.info"));
    }
}
