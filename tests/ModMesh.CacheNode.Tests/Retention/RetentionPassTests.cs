using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModMesh.CacheNode.Retention;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Servers;

namespace ModMesh.CacheNode.Tests.Retention;

/// <summary>Retention passes over the folder store (the embedded default).</summary>
public sealed class FolderRetentionPassTests : RetentionPassTests;

/// <summary>Retention passes over the S3 store (a real s3rver), with the node-local tier in front of it.</summary>
public sealed class S3RetentionPassTests : RetentionPassTests
{
    private S3rverServer? _s3;
    private string _bucket = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _s3 = await S3rverServer.StartAsync();
        _bucket = await _s3.CreateBucketAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> StoreSettings() =>
        [new("ConnectionStrings:blobs", _s3!.ConnectionString(_bucket)), new("ModMesh:LocalTier:Enabled", "true")];
}

/// <summary>
/// Retention passes on a real node (in-process coordination) with a fake clock, over each store: what is removed, what
/// is kept (recently requested, private, being read), that a dry run deletes nothing and names exactly what a real run
/// then removes, that a removed version is filled again from upstream, and that only one pass runs at a time (lease).
/// </summary>
public abstract class RetentionPassTests : IAsyncLifetime
{
    private const string Old = "example.com/retention/old";
    private const string Used = "example.com/retention/used";
    private const string Reading = "example.com/retention/reading";
    private const string Private = "corp.example.com/private/lib";

    private ScriptedUpstream _upstream = null!;

    public virtual async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _upstream.AddModule(Old, "v1.0.0");
        _upstream.AddModule(Used, "v1.0.0");
        _upstream.AddModule(Reading, "v1.0.0");
    }

    public virtual async Task DisposeAsync() => await _upstream.DisposeAsync();

    /// <summary>The settings that choose the store (none: the folder store the test node makes).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> StoreSettings() => [];

    [Fact]
    public async Task Pass_RemovesOldUnrequestedVersion_KeepsRequestedPrivateAndInFlight_DryRunNamesExactlyTheSame()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await StartAsync(clock);
        var store = node.Services.GetRequiredService<ModuleStore>();
        var usage = node.Services.GetRequiredService<ModuleUsage>();
        var retention = node.Services.GetRequiredService<RetentionService>();

        foreach (var module in new[] { Old, Used, Reading })
        {
            await GetAllFilesAsync(node, module);
        }

        using (var list = await node.Client.GetAsync($"{Old}/@v/list"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        // A published private version: its only copy is in the store.
        var privateKey = new ModuleVersionKey(Private, "v1.0.0");
        foreach (var file in new[] { ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip })
        {
            using var content = new MemoryStream("published"u8.ToArray());
            await store.CommitAsync(privateKey, file, content, CancellationToken.None);
        }

        await usage.FlushAsync(CancellationToken.None);

        // 40 days later (MaxUnusedAge is 30): "used" is requested again, "reading" is being served right now.
        clock.Advance(TimeSpan.FromDays(40));
        await GetAllFilesAsync(node, Used);
        await usage.FlushAsync(CancellationToken.None);
        using var inFlight = usage.BeginRead(new ModuleVersionKey(Reading, "v1.0.0"));
        var oldZip = await store.Blobs.StatAsync(ModuleStore.KeyOf(new ModuleVersionKey(Old, "v1.0.0"), ModuleFile.Zip), CancellationToken.None);
        Assert.NotNull(oldZip);

        var dry = await retention.RunPassAsync(dryRun: true, CancellationToken.None);
        Assert.NotNull(dry);
        Assert.True(dry.DryRun);
        Assert.True(dry.Completed, dry.StoppedBecause);
        var named = Assert.Single(dry.RemovedVersions);
        Assert.Equal((Old, "v1.0.0"), (named.Module, named.Version));
        Assert.Equal(["zip", "mod", "info"], named.Files);
        Assert.Equal(1, dry.KeptPrivate);
        Assert.Equal(1, dry.KeptInFlight);
        Assert.Equal(1, dry.KeptRecent);
        Assert.Contains($"{Old}@list", dry.RemovedQueries);
        foreach (var file in new[] { ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip })
        {
            Assert.True(await store.IsCommittedAsync(new ModuleVersionKey(Old, "v1.0.0"), file, CancellationToken.None), $"a dry run deleted {file}");
        }

        var real = await retention.RunPassAsync(dryRun: false, CancellationToken.None);
        Assert.NotNull(real);
        Assert.False(real.DryRun);
        Assert.Equal(Json(dry.RemovedVersions), Json(real.RemovedVersions));
        Assert.Equal(dry.Versions, real.Versions);
        Assert.Equal(dry.RemovedQueries, real.RemovedQueries);
        Assert.Equal(dry.Queries, real.Queries);
        Assert.True(real.Versions.Bytes > oldZip.Length, "the bytes counted cover the zip and the small files");

        foreach (var file in new[] { ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip })
        {
            Assert.False(await store.IsCommittedAsync(new ModuleVersionKey(Old, "v1.0.0"), file, CancellationToken.None), $"{file} of the old version is still there");
            Assert.True(await store.IsCommittedAsync(new ModuleVersionKey(Used, "v1.0.0"), file, CancellationToken.None));
            Assert.True(await store.IsCommittedAsync(new ModuleVersionKey(Reading, "v1.0.0"), file, CancellationToken.None));
            Assert.True(await store.IsCommittedAsync(privateKey, file, CancellationToken.None));
        }

        // The report is in the store and answered by the admin endpoint (loopback, no internal key).
        using (var report = await node.Client.GetAsync("admin/retention/report"))
        {
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            using var json = JsonDocument.Parse(await report.Content.ReadAsStringAsync());
            Assert.False(json.RootElement.GetProperty("dryRun").GetBoolean());
            Assert.Equal(1, json.RootElement.GetProperty("versions").GetProperty("count").GetInt32());
        }

        // Removed is not lost: the next request fills it again from upstream.
        var before = _upstream.RequestCount(Old, "@v/v1.0.0.zip");
        using (var again = await node.Client.GetAsync($"{Old}/@v/v1.0.0.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal(before + 1, _upstream.RequestCount(Old, "@v/v1.0.0.zip"));
    }

    [Fact]
    public async Task Pass_WhileAnotherHoldsTheLease_DoesNotRun_ThenRunsOnceItIsFree()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await StartAsync(clock);
        var retention = node.Services.GetRequiredService<RetentionService>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        retention.LeaseTaken = async token =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(token);
        };

        var first = retention.RunPassAsync(dryRun: true, CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        retention.LeaseTaken = null;
        Assert.Null(await retention.RunPassAsync(dryRun: true, CancellationToken.None));

        release.SetResult();
        Assert.NotNull(await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.NotNull(await retention.RunPassAsync(dryRun: true, CancellationToken.None));
    }

    [Fact]
    public async Task Pass_RemovesSumdbAnswersBeyondTheirAge_NeverTheVerifiedTreeHead()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await StartAsync(clock, ("ModMesh:Retention:SumdbMaxAge", "10.00:00:00"));
        var store = node.Services.GetRequiredService<ModuleStore>();
        var answers = new[] { "checked/lookup/example.com/a@v1.0.0", "checked/tile/8/0/001" };
        foreach (var answer in answers)
        {
            using var content = new MemoryStream(new byte[100]);
            await store.Blobs.PutAsync(ModuleStore.SumdbKeyOf("sum.example.com", answer), content, CancellationToken.None);
        }

        using (var head = new MemoryStream("tree head"u8.ToArray()))
        {
            await store.Blobs.PutAsync(ModuleStore.VerifiedTreeHeadKeyOf("sum.example.com"), head, CancellationToken.None);
        }

        clock.Advance(TimeSpan.FromDays(40));
        var report = await node.Services.GetRequiredService<RetentionService>().RunPassAsync(dryRun: false, CancellationToken.None);
        Assert.NotNull(report);
        Assert.Equal(new RetentionCount(2, 200), report.Sumdb);
        Assert.Equal(answers.Select(a => $"sum.example.com/{a}").Order(StringComparer.Ordinal), report.RemovedSumdb.Order(StringComparer.Ordinal));
        foreach (var answer in answers)
        {
            Assert.Null(await store.Blobs.StatAsync(ModuleStore.SumdbKeyOf("sum.example.com", answer), CancellationToken.None));
        }

        Assert.NotNull(await store.Blobs.StatAsync(ModuleStore.VerifiedTreeHeadKeyOf("sum.example.com"), CancellationToken.None));
    }

    [Theory]
    [InlineData("ModMesh:Retention:MarkerRefreshInterval", "30.00:00:00")] // more than a quarter of the default MaxUnusedAge (90 days)
    [InlineData("ModMesh:Retention:Interval", "00:00:01")]
    [InlineData("ModMesh:Retention:MaxUnusedAge", "-1.00:00:00")]
    public async Task Start_WithUnusableRetentionSettings_Fails(string key, string value)
    {
        var settings = new Dictionary<string, string?> { [key] = value, ["ModMesh:Retention:Enabled"] = "true" };
        foreach (var (k, v) in StoreSettings())
        {
            settings[k] = v;
        }

        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var node = await TestNode.StartAsync(_upstream, settings);
        });
        Assert.Contains("ModMesh:Retention", failure.ToString(), StringComparison.Ordinal);
    }

    private Task<TestNode> StartAsync(FakeTimeProvider clock, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ModMesh:Private"] = "corp.example.com",
            ["ModMesh:Retention:MaxUnusedAge"] = "30.00:00:00",
            ["ModMesh:Retention:MarkerRefreshInterval"] = "01:00:00",
            ["ModMesh:Retention:QueryMaxAge"] = "30.00:00:00",
        };
        foreach (var (key, value) in StoreSettings())
        {
            settings[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return TestNode.StartAsync(_upstream, settings, configureServices: services => services.AddSingleton<TimeProvider>(clock));
    }

    private static async Task GetAllFilesAsync(TestNode node, string module)
    {
        foreach (var file in new[] { "info", "mod", "zip" })
        {
            using var response = await node.Client.GetAsync($"{module}/@v/v1.0.0.{file}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsByteArrayAsync();
        }
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
