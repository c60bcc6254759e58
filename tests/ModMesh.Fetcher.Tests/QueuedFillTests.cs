using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.Coordination;
using ModMesh.Coordination.InProcess;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Queueing;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport.Http;

namespace ModMesh.Fetcher.Tests;

/// <summary>
/// The queued fill path end to end in one process: a cache node's <see cref="QueuedModuleFiller"/> enqueues, the
/// <see cref="FillJobConsumer"/> fills from a real HTTP upstream on 127.0.0.1 into a folder store, and the node hears
/// the outcome.
/// </summary>
public sealed class QueuedFillTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;

    /// <summary>A bound on every call, so a hang fails instead of stalling the run.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task EnsureFilledAsync_NewVersion_EnqueuedFilledByConsumerAndCommitted()
    {
        const string path = "example.com/Queued";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        await using var host = await FillHost.StartAsync(_upstream);
        Assert.IsType<QueuedModuleFiller>(host.Filler);

        var outcome = await host.FillAllAsync(path, "v1.0.0", Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(3, host.Queue.Enqueued); // one job per file
        await EventuallyAsync(() => host.Queue.Acknowledged == 3, "the consumer acknowledged the jobs");
        Assert.True(await host.Store.IsCommittedAsync(FillHost.Request(path, "v1.0.0").Key, ModuleFile.Zip, Ct));
        Assert.Equal(version.SmallZip, await File.ReadAllBytesAsync(host.BlobFile(path, "v1.0.0", ModuleFile.Zip), Ct));
        Assert.Equal(version.Mod, await File.ReadAllBytesAsync(host.BlobFile(path, "v1.0.0", ModuleFile.Mod), Ct));
        Assert.Equal(version.Info, await File.ReadAllBytesAsync(host.BlobFile(path, "v1.0.0", ModuleFile.Info), Ct));
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
        Assert.Empty(host.SpoolFiles());
    }

    [Fact]
    public async Task EnsureFilledAsync_CommittedVersion_AnsweredWithoutQueueOrUpstream()
    {
        const string path = "example.com/again";
        _upstream.AddModule(path, "v1.0.0");
        await using var host = await FillHost.StartAsync(_upstream);
        Assert.Equal(OutcomeKind.Ok, (await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct)).Kind);
        int requests = _upstream.TotalRequests;

        var again = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, again.Kind);
        Assert.Equal(1, host.Queue.Enqueued);
        Assert.Equal(requests, _upstream.TotalRequests);
    }

    [Fact]
    public async Task EnsureFilledAsync_20ConcurrentCallers_OneJobAndOneUpstreamZipRequest()
    {
        const string path = "example.com/hot";
        _upstream.AddModule(path, "v1.2.3");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.2.3.zip"), UpstreamFault.Delayed(TimeSpan.FromMilliseconds(500)));
        await using var host = await FillHost.StartAsync(_upstream);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(
            () => host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.2.3"), Ct), Ct)));

        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Ok, o.Kind));
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.2.3.zip"));
        Assert.Equal(0, _upstream.RequestCount(path, "@v/v1.2.3.info")); // each file on its own demand
        Assert.Equal(1, host.Queue.Enqueued);
    }

    [Fact]
    public async Task EnsureFilledAsync_UpstreamNotFound_NotFoundThenNegativeCacheAnswersWithoutUpstream()
    {
        const string path = "example.com/missing";
        await using var host = await FillHost.StartAsync(_upstream);

        var first = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);
        int requests = _upstream.TotalRequests;
        var second = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.NotFound, first.Kind);
        Assert.Contains("404", first.Message, StringComparison.Ordinal);
        Assert.Equal(1, requests);
        Assert.Equal(OutcomeKind.NotFound, second.Kind);
        Assert.Equal(requests, _upstream.TotalRequests);
        Assert.Equal(1, host.Queue.Enqueued);
        Assert.False(await host.Store.IsCommittedAsync(FillHost.Request(path, "v1.0.0").Key, ModuleFile.Zip, Ct));
    }

    [Fact]
    public async Task EnsureFilledAsync_FillSlowerThanWaitTimeout_TimedOutThenFillStillCompletes()
    {
        const string path = "example.com/slow";
        var version = _upstream.AddModule(path, "v0.1.0").Version("v0.1.0");
        _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v0.1.0.zip"), UpstreamFault.Delayed(TimeSpan.FromSeconds(2)));
        await using var host = await FillHost.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:WaitTimeout"] = "00:00:00.300" });
        var request = FillHost.Request(path, "v0.1.0");

        var outcome = await host.Filler.EnsureFilledAsync(request, Ct);

        Assert.Equal(OutcomeKind.Pending, outcome.Kind);
        Assert.False(await host.Store.IsCommittedAsync(request.Key, ModuleFile.Zip, Ct));
        await EventuallyAsync(() => File.Exists(host.BlobFile(path, "v0.1.0", ModuleFile.Zip)), "the fill committed the zip after the wait ran out");
        Assert.Equal(version.SmallZip, await File.ReadAllBytesAsync(host.BlobFile(path, "v0.1.0", ModuleFile.Zip), Ct));
        Assert.Equal(OutcomeKind.Ok, (await host.Filler.EnsureFilledAsync(request, Ct)).Kind);
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v0.1.0.zip"));
    }

    [Fact]
    public async Task EnsureFilledAsync_JobLostWithTheQueue_NodeNoticesNobodyFillsAndEnqueuesAgain()
    {
        // Redis restarted without persistence: the job is gone. The waiting node re-checks every 2 s; after three quiet
        // re-checks it finds the file's fill lock free (no fetcher is on it) and enqueues the job again.
        const string path = "example.com/lost-job";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        var lossy = new LossyFillQueue(new InProcessFillQueue(TimeProvider.System), drop: 1);
        await using var host = await FillHost.StartAsync(_upstream, services: s => s.AddSingleton<IFillQueue>(lossy));

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(2, lossy.Enqueued);
        Assert.Equal(version.SmallZip, await File.ReadAllBytesAsync(host.BlobFile(path, "v1.0.0", ModuleFile.Zip), Ct));
        Assert.Equal(1, _upstream.RequestCount(path, "@v/v1.0.0.zip"));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("example.com/evil@v1.0.0/../x")]
    [InlineData("example.com/evil@v1.0.0/a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("example.com/other@v1.0.0/lib.go")]
    [InlineData("example.com/evil@v1.0.1/lib.go")]
    [InlineData("example.com/evil@v1.0.0/README|example.com/evil@v1.0.0/readme")]
    [InlineData("example.com/evil@v1.0.0/Sub/a.go|example.com/evil@v1.0.0/sub/A.go")]
    public async Task EnsureFilledAsync_MaliciousZip_FailedAndNothingCommitted(string badEntries)
    {
        const string path = "example.com/evil";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        version.SmallZip = Zip([$"{path}@v1.0.0/go.mod", .. badEntries.Split('|')]);
        await using var host = await FillHost.StartAsync(_upstream);

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("module zip rules", outcome.Message, StringComparison.Ordinal);
        AssertNothingCommitted(host, path, "v1.0.0");
        Assert.Empty(host.SpoolFiles());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EnsureFilledAsync_ZipOverMaxZipBytes_FailedNothingCommittedNoSpoolLeft(bool unsized)
    {
        const string path = "example.com/big";
        _upstream.AddLargeZip(path, "v1.0.0", dataBytes: 300_000);
        if (unsized)
        {
            _upstream.InjectFault(ScriptedUpstream.UrlPath(path, "@v/v1.0.0.zip"), UpstreamFault.Unsized);
        }

        await using var host = await FillHost.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:MaxZipBytes"] = "100000" });

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("100000", outcome.Message, StringComparison.Ordinal);
        AssertNothingCommitted(host, path, "v1.0.0");
        Assert.Empty(host.SpoolFiles());
    }

    [Fact]
    public async Task EnsureFilledAsync_ZipJustUnderMaxZipBytes_Filled()
    {
        const string path = "example.com/fits";
        var version = _upstream.AddLargeZip(path, "v1.0.0", dataBytes: 50_000);
        await using var host = await FillHost.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:MaxZipBytes"] = version.ZipLength.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(version.ZipLength, new FileInfo(host.BlobFile(path, "v1.0.0", ModuleFile.Zip)).Length);
        Assert.Empty(host.SpoolFiles());
    }

    private static void AssertNothingCommitted(FillHost host, string path, string version)
    {
        Assert.False(File.Exists(host.BlobFile(path, version, ModuleFile.Info)), ".info (the commit marker) was written");
        Assert.False(File.Exists(host.BlobFile(path, version, ModuleFile.Zip)), "the rejected zip reached the store");
        var infos = Directory.Exists(host.StoragePath)
            ? Directory.GetFiles(host.StoragePath, "*.info", SearchOption.AllDirectories)
            : [];
        Assert.Empty(infos);
    }

    private static byte[] Zip(IEnumerable<string> entryNames)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var name in entryNames)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(Encoding.UTF8.GetBytes(name.EndsWith("go.mod", StringComparison.Ordinal) ? "module example.com/evil\n" : "package evil\n"));
            }
        }

        return buffer.ToArray();
    }

    private async Task EventuallyAsync(Func<bool> condition, string what)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (bound.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(25, CancellationToken.None);
        }
    }
}

/// <summary>
/// A queue that loses the first <paramref name="drop"/> jobs enqueued, as a Redis restart without persistence loses
/// the stream: the node was told "enqueued", and no fetcher ever sees the job.
/// </summary>
internal sealed class LossyFillQueue(IFillQueue inner, int drop) : IFillQueue
{
    private int _seen;

    public int Enqueued => Volatile.Read(ref _seen);

    public Task EnqueueAsync(FillJob job, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref _seen) <= drop ? Task.CompletedTask : inner.EnqueueAsync(job, cancellationToken);

    public Task<IReadOnlyList<FillJobDelivery>> ReadAsync(string consumer, int maxCount, TimeSpan wait, TimeSpan reclaimAfter, CancellationToken cancellationToken) =>
        inner.ReadAsync(consumer, maxCount, wait, reclaimAfter, cancellationToken);

    public Task AcknowledgeAsync(FillJobDelivery delivery, CancellationToken cancellationToken) => inner.AcknowledgeAsync(delivery, cancellationToken);

    public Task<IAsyncDisposable> StartHeartbeatAsync(string consumer, CancellationToken cancellationToken) => inner.StartHeartbeatAsync(consumer, cancellationToken);
}
