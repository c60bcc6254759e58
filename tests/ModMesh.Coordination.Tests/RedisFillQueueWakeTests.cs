using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// The wake-up of waiting readers on a real redis-server: an enqueue publishes a notice after its XADD, and a read
/// waiting for jobs reads again at once instead of at its next poll; polling still delivers what no notice announced.
/// Most tests set the poll interval to its maximum (10 s), so a delivery well within it can only come from the notice.
/// This class has a server of its own (tests in one class run one after another), so its command counts are this
/// test's alone.
/// </summary>
public sealed class RedisFillQueueWakeTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static FillJob Job(string version) => new("example.com/m", version, "example.com/m", version, null, DateTimeOffset.UnixEpoch);

    private static RedisCoordinationOptions Options(TimeSpan pollInterval)
    {
        var options = RedisFixture.NewOptions();
        options.PollInterval = pollInterval;
        return options;
    }

    [Fact]
    public async Task ReadAsync_JobEnqueuedByAnotherProcessWhileWaiting_WakesLongBeforeThePoll()
    {
        var options = Options(MaxPollInterval);
        await using var otherProcess = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var producer = new RedisFillQueue(otherProcess, options);
        var consumer = new RedisFillQueue(redis.Redis, options);
        var read = await StartWaitingReadAsync(consumer, options);

        var sinceEnqueue = Stopwatch.StartNew();
        await producer.EnqueueAsync(Job("v1.0.0"), Ct);
        var delivery = Assert.Single(await read);
        var woken = sinceEnqueue.Elapsed;

        output.WriteLine($"delivered {woken.TotalMilliseconds:0.0} ms after the enqueue began (poll interval {MaxPollInterval.TotalSeconds} s)");
        Assert.Equal("v1.0.0", delivery.Job.Version);
        // The wake takes milliseconds; half the poll interval is the margin for a loaded machine, and a delivery by
        // polling alone could not come in it.
        Assert.InRange(woken, TimeSpan.Zero, MaxPollInterval / 2);
        await consumer.AcknowledgeAsync(delivery, Ct);
    }

    [Fact]
    public async Task ReadAsync_SeveralReadersWaitingInOneProcess_OneEnqueueWakesAllAndOneTakesTheJob()
    {
        // The readers wait 8 s and poll every 10 s: until their wait runs out they look at the stream again only when woken.
        var options = Options(MaxPollInterval);
        var wait = TimeSpan.FromSeconds(8);
        await using var otherProcess = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        var producer = new RedisFillQueue(otherProcess, options);
        var consumer = new RedisFillQueue(redis.Redis, options);
        long looks = await NewEntryLooksAsync();
        var started = Stopwatch.StartNew();
        var reads = new[] { "a", "b", "c" }.Select(name => consumer.ReadAsync(name, 10, wait, Long, Ct)).ToArray();
        await WaitUntilSubscribedAsync(options);
        await WaitForNewEntryLooksAsync(looks + 3); // each has looked once and found nothing: all three wait

        var sinceEnqueue = Stopwatch.StartNew();
        await producer.EnqueueAsync(Job("v1.0.0"), Ct);

        // Each of the three looks again at once: every waiting reader of the process was woken, not only one.
        await WaitForNewEntryLooksAsync(looks + 6);
        var delivered = Assert.Single(await await Task.WhenAny(reads));
        Assert.Equal("v1.0.0", delivered.Job.Version);
        output.WriteLine($"all three woken and one delivered {sinceEnqueue.Elapsed.TotalMilliseconds:0.0} ms after the enqueue began (wait {wait.TotalSeconds} s, poll interval {MaxPollInterval.TotalSeconds} s)");
        Assert.InRange(started.Elapsed, TimeSpan.Zero, wait - TimeSpan.FromSeconds(1)); // before any wait ran out
        Assert.Equal(2, reads.Count(r => !r.IsCompleted)); // the others found nothing and went on waiting

        var results = await Task.WhenAll(reads);

        Assert.Equal(2, results.Count(r => r.Count == 0));
        Assert.InRange(started.Elapsed, wait, Long); // ...until their wait ran out
        await consumer.AcknowledgeAsync(delivered, Ct);
    }

    [Fact]
    public async Task ReadAsync_JobAddedWithoutNotice_IsStillDeliveredByPolling()
    {
        var options = Options(TimeSpan.FromMilliseconds(500));
        var consumer = new RedisFillQueue(redis.Redis, options);
        var signer = FillJobSigner.FromBase64(options.JobSigningKey);
        var job = Job("v1.0.0");
        var read = await StartWaitingReadAsync(consumer, options);

        // Written as EnqueueAsync writes it, but without the notice (as when the publish is lost).
        var sinceAdd = Stopwatch.StartNew();
        await redis.Redis.GetDatabase().StreamAddAsync(
            options.KeyPrefix + "fills",
            [new NameValueEntry(RedisFillQueue.JobField, JsonSerializer.Serialize(job, RedisJsonContext.Default.FillJob)), new NameValueEntry(RedisFillQueue.SignatureField, signer.Sign(job))]);
        var delivery = Assert.Single(await read);

        output.WriteLine($"delivered by polling {sinceAdd.Elapsed.TotalMilliseconds:0.0} ms after the XADD (poll interval {options.PollInterval.TotalMilliseconds} ms)");
        Assert.Equal(job, delivery.Job);
        Assert.InRange(sinceAdd.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5)); // a poll or two, far from the 30 s wait
        await consumer.AcknowledgeAsync(delivery, Ct);
    }

    [Fact]
    public async Task EnqueueAsync_PublishRefused_StillSucceedsAndPollingDeliversTheJob()
    {
        // A Redis user that may write the stream but not publish: XADD succeeds, PUBLISH fails with NOPERM.
        string user = $"producer{Guid.NewGuid():N}";
        string password = ModMesh.TestSupport.Servers.RedisServer.NewPassword();
        var db = redis.Redis.GetDatabase();
        await db.ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all", "-publish");
        try
        {
            var options = Options(TimeSpan.FromMilliseconds(500));
            await using var producerProcess = await RedisConnection.ConnectAsync($"{redis.Server.ConnectionString},user={user},password={password}");
            var producer = new RedisFillQueue(producerProcess, options);
            var consumer = new RedisFillQueue(redis.Redis, options);
            await Assert.ThrowsAsync<RedisServerException>(() => producerProcess.GetSubscriber().PublishAsync(RedisChannel.Literal(options.KeyPrefix + "fills:added"), "x"));
            var read = await StartWaitingReadAsync(consumer, options);

            var sinceEnqueue = Stopwatch.StartNew();
            await producer.EnqueueAsync(Job("v1.0.0"), Ct);

            var delivery = Assert.Single(await read);
            output.WriteLine($"delivered by polling {sinceEnqueue.Elapsed.TotalMilliseconds:0.0} ms after the enqueue (poll interval {options.PollInterval.TotalMilliseconds} ms)");
            Assert.Equal("v1.0.0", delivery.Job.Version);
            Assert.InRange(sinceEnqueue.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
            await consumer.AcknowledgeAsync(delivery, Ct);
        }
        finally
        {
            await db.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    /// <summary>
    /// Starts a 30 s read of "fetcher" and returns once it waits: subscribed, and its first look at new entries done
    /// (found nothing), so a job added from now on reaches it only by a notice or a poll.
    /// </summary>
    private async Task<Task<IReadOnlyList<FillJobDelivery>>> StartWaitingReadAsync(RedisFillQueue consumer, RedisCoordinationOptions options)
    {
        long looks = await NewEntryLooksAsync();
        var read = consumer.ReadAsync("fetcher", 10, Long, Long, Ct);
        await WaitUntilSubscribedAsync(options);
        await WaitForNewEntryLooksAsync(looks + 1);
        Assert.False(read.IsCompleted);
        return read;
    }

    /// <summary>Waits until Redis has the queue's subscriber on the "added" channel (the read is then waiting for it).</summary>
    private async Task WaitUntilSubscribedAsync(RedisCoordinationOptions options)
    {
        string channel = options.KeyPrefix + "fills:added";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var answer = (RedisResult[])(await redis.Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
            if ((long)answer[1] > 0)
            {
                return;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"Nobody subscribed to {channel} within 10 s.");
            await Task.Delay(10, Ct);
        }
    }

    /// <summary>How many XREADGROUP calls (looks for new entries) this class's server has run.</summary>
    private async Task<long> NewEntryLooksAsync()
    {
        string info = (string)(await redis.Redis.GetDatabase().ExecuteAsync("INFO", "commandstats"))!;
        const string Prefix = "cmdstat_xreadgroup:calls=";
        int at = info.IndexOf(Prefix, StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        at += Prefix.Length;
        int end = info.IndexOf(',', at);
        return long.Parse(info.AsSpan(at, end - at), CultureInfo.InvariantCulture);
    }

    private async Task WaitForNewEntryLooksAsync(long count)
    {
        var deadline = Stopwatch.StartNew();
        long seen;
        while ((seen = await NewEntryLooksAsync()) < count)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(4), $"{seen} XREADGROUP calls after 4 s, expected {count}.");
            await Task.Delay(10, Ct);
        }

        Assert.Equal(count, seen);
    }
}
