using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// Signed fill jobs on a real redis-server: only jobs signed with the cluster's key are delivered; everything else
/// written to the stream (forged, replayed, unsigned, garbage) is dropped, counted and never reaches a consumer.
/// </summary>
public sealed class RedisFillQueueTrustTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static FillJob Job(string path, string version) => new(path, version, path, version, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task ReadAsync_SignedJobFromAnotherNode_RoundTripsUnchanged()
    {
        await using var otherNode = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var options = RedisFixture.NewOptions();
        using var metrics = new RejectionCounter();
        var producer = new RedisFillQueue(redis.Redis, options);
        var consumer = new RedisFillQueue(otherNode, options, meterFactory: metrics.Factory);
        var job = new FillJob("example.com/Big/m", "v1.0.0", "example.com/!big/m", "v1.0.0", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", DateTimeOffset.Parse("2026-12-02T03:04:05.1234567+01:00", System.Globalization.CultureInfo.InvariantCulture));

        await producer.EnqueueAsync(job, Ct);
        var delivery = Assert.Single(await consumer.ReadAsync("fetcher", 10, Long, Long, Ct));

        Assert.Equal(job, delivery.Job);
        Assert.Empty(metrics.Reasons);
        var raw = Assert.Single(await redis.Redis.GetDatabase().StreamRangeAsync(options.KeyPrefix + "fills"));
        Assert.StartsWith("v1.", (string?)raw[RedisFillQueue.SignatureField], StringComparison.Ordinal);
        await consumer.AcknowledgeAsync(delivery, Ct);
    }

    [Fact]
    public async Task ReadAsync_ForgedReplayedUnsignedAndGarbageEntries_NeverDeliveredButCountedAndRemoved()
    {
        var options = RedisFixture.NewOptions();
        using var metrics = new RejectionCounter();
        var queue = new RedisFillQueue(redis.Redis, options, meterFactory: metrics.Factory);
        var signer = FillJobSigner.FromBase64(options.JobSigningKey);
        var db = redis.Redis.GetDatabase();
        string stream = options.KeyPrefix + "fills";
        var publicJob = Job("example.com/public/m", "v1.0.0");
        string signature = signer.Sign(publicJob);
        string otherSignature = signer.Sign(Job("example.com/other/m", "v2.0.0"));

        // Forged: the audit's attack (a private module fetched, committed under a public module's name) and friends.
        await AddAsync(Json(publicJob with { ModulePath = "corp.example/private/secret" }), signature);
        await AddAsync(Json(publicJob with { EscapedPath = "corp.example/private/secret" }), signature);
        await AddAsync(Json(publicJob with { Version = "v1.0.1", EscapedVersion = "v1.0.1" }), signature);
        await AddAsync(Json(publicJob with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }), signature);
        await AddAsync(Json(publicJob), otherSignature); // a real signature, replayed on another job
        await AddAsync(Json(publicJob), "v1." + Convert.ToBase64String(new byte[32]));
        await AddAsync(Json(publicJob), "garbage");
        // Unsigned: the old wire form, and a stray entry.
        await db.StreamAddAsync(stream, RedisFillQueue.JobField, Json(publicJob));
        await db.StreamAddAsync(stream, "other", "field");
        // Malformed: not a job at all, though "signed".
        await AddAsync("{not json", signature);
        await AddAsync("null", signature);
        await AddAsync("""{"modulePath":"example.com/public/m"}""", signature); // parses, but is not the signed job: forged
        // The one real job, last.
        await queue.EnqueueAsync(publicJob, Ct);

        var deliveries = await queue.ReadAsync("fetcher", 50, TimeSpan.Zero, Long, Ct);

        var delivery = Assert.Single(deliveries);
        Assert.Equal(publicJob, delivery.Job);
        Assert.Equal(
            ["forged", "forged", "forged", "forged", "forged", "forged", "forged", "forged", "malformed", "malformed", "unsigned", "unsigned"],
            metrics.Reasons.Order(StringComparer.Ordinal));
        Assert.Equal(1, await db.StreamLengthAsync(stream)); // only the real job is left, pending
        await queue.AcknowledgeAsync(delivery, Ct);
        Assert.Equal(0, await db.StreamLengthAsync(stream));
        Assert.Empty(await queue.ReadAsync("other-fetcher", 50, TimeSpan.Zero, TimeSpan.Zero, Ct)); // nothing left to reclaim either

        Task AddAsync(string json, string sig) =>
            db.StreamAddAsync(stream, [new NameValueEntry(RedisFillQueue.JobField, json), new NameValueEntry(RedisFillQueue.SignatureField, sig)]);
    }

    [Fact]
    public async Task ReadAsync_ConsumerWithAnotherKey_RefusesEveryJob()
    {
        var options = RedisFixture.NewOptions();
        using var metrics = new RejectionCounter();
        var producer = new RedisFillQueue(redis.Redis, options);
        var consumerOptions = RedisFixture.NewOptions();
        consumerOptions.KeyPrefix = options.KeyPrefix;
        var consumer = new RedisFillQueue(redis.Redis, consumerOptions, meterFactory: metrics.Factory);
        await producer.EnqueueAsync(Job("example.com/m", "v1.0.0"), Ct);
        await producer.EnqueueAsync(Job("example.com/m", "v1.0.1"), Ct);

        Assert.Empty(await consumer.ReadAsync("fetcher", 10, TimeSpan.FromMilliseconds(300), Long, Ct));

        Assert.Equal(["forged", "forged"], metrics.Reasons);
        Assert.Equal(0, await redis.Redis.GetDatabase().StreamLengthAsync(options.KeyPrefix + "fills"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    [InlineData("*** not base64 ***")]
    public void Constructor_NoOrBadSigningKey_ThrowsNamingTheSetting(string key)
    {
        var options = RedisFixture.NewOptions();
        options.JobSigningKey = key;

        var error = Assert.Throws<ArgumentException>(() => new RedisFillQueue(redis.Redis, options));

        Assert.Contains("ModMesh:Coordination:JobSigningKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddModMeshCoordination_RedisWithoutSigningKey_RefusesToStart()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis.Server.ConnectionString });
        builder.AddModMeshCoordination();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("ModMesh:Coordination:JobSigningKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddModMeshCoordination_RedisWithSigningKeyFromConfiguration_SignsWithIt()
    {
        string key = RedisFixture.NewSigningKey();
        string prefix = $"cfg:{Guid.NewGuid():N}:";
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.Server.ConnectionString,
            ["ModMesh:Coordination:JobSigningKey"] = key,
            ["ModMesh:Coordination:KeyPrefix"] = prefix,
        });
        builder.AddModMeshCoordination();
        using var host = builder.Build();
        await host.StartAsync(Ct);

        await host.Services.GetRequiredService<IFillQueue>().EnqueueAsync(Job("example.com/m", "v1.0.0"), Ct);

        var checker = new RedisFillQueue(redis.Redis, new RedisCoordinationOptions { KeyPrefix = prefix, JobSigningKey = key });
        Assert.Single(await checker.ReadAsync("fetcher", 10, TimeSpan.Zero, Long, Ct));
        await host.StopAsync(Ct);
    }

    private static string Json(FillJob job) => JsonSerializer.Serialize(job, RedisJsonContext.Default.FillJob);

    /// <summary>Listens to <c>modmesh.fill.jobs.rejected</c> of the queues made with <see cref="Factory"/> only.</summary>
    private sealed class RejectionCounter : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly MeterListener _listener = new();
        private readonly List<string> _reasons = [];

        public RejectionCounter()
        {
            Factory = _services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == Factory && instrument.Name == "modmesh.fill.jobs.rejected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        lock (_reasons)
                        {
                            _reasons.AddRange(Enumerable.Repeat((string)tag.Value!, (int)value));
                        }
                    }
                }
            });
            _listener.Start();
        }

        public IMeterFactory Factory { get; }

        public IReadOnlyList<string> Reasons
        {
            get
            {
                lock (_reasons)
                {
                    return [.. _reasons];
                }
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            _services.Dispose();
        }
    }
}
