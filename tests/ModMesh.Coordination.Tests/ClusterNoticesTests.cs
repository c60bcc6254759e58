using System.Collections.Concurrent;
using System.Diagnostics;
using ModMesh.Coordination;
using ModMesh.Coordination.InProcess;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// <see cref="IClusterNotices"/>: in-process, and over a real redis-server between two processes' worth of
/// multiplexers: every subscriber hears every notice (the publisher's own included), a disposed subscription hears
/// nothing more, other key prefixes (other clusters) hear nothing.
/// </summary>
public sealed class ClusterNoticesTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task InProcess_EverySubscriberHearsEachNotice_UntilDisposed()
    {
        var notices = new InProcessClusterNotices();
        var a = new List<string>();
        var b = new List<string>();
        var subA = await notices.SubscribeAsync(a.Add, CancellationToken.None);
        await using var subB = await notices.SubscribeAsync(b.Add, CancellationToken.None);
        await notices.PublishAsync("forget x@v1.0.0", CancellationToken.None);
        await subA.DisposeAsync();
        await notices.PublishAsync("forget y@v1.0.0", CancellationToken.None);
        Assert.Equal(["forget x@v1.0.0"], a);
        Assert.Equal(["forget x@v1.0.0", "forget y@v1.0.0"], b);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => notices.PublishAsync(new string('x', ClusterNotices.MaxLength + 1), CancellationToken.None));
    }

    [Fact]
    public async Task Redis_NoticeReachesEveryNode_ThePublisherToo_NotOtherClusters_NorDisposedSubscriptions()
    {
        var options = RedisFixture.NewOptions();
        await using var second = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var publisher = new RedisClusterNotices(redis.Redis, options);
        var other = new RedisClusterNotices(second, options);
        var elsewhere = new RedisClusterNotices(second, RedisFixture.NewOptions());
        var heardHere = new ConcurrentQueue<string>();
        var heardThere = new ConcurrentQueue<string>();
        var heardElsewhere = new ConcurrentQueue<string>();
        await using var here = await publisher.SubscribeAsync(heardHere.Enqueue, CancellationToken.None);
        var there = await other.SubscribeAsync(heardThere.Enqueue, CancellationToken.None);
        await using var away = await elsewhere.SubscribeAsync(heardElsewhere.Enqueue, CancellationToken.None);

        await publisher.PublishAsync("forget example.com/a@v1.0.0", CancellationToken.None);
        await WaitForAsync(() => heardHere.Count == 1 && heardThere.Count == 1);
        Assert.Equal("forget example.com/a@v1.0.0", Assert.Single(heardThere));

        await there.DisposeAsync();
        await publisher.PublishAsync("forget example.com/b@v1.0.0", CancellationToken.None);
        await WaitForAsync(() => heardHere.Count == 2);

        // Redis delivers a channel's messages in order on one connection: a marker published after, heard by the
        // disposed side's neighbour on the same multiplexer, proves the earlier notice had its chance to arrive.
        await using var late = await other.SubscribeAsync(_ => { }, CancellationToken.None);
        var marker = new ConcurrentQueue<string>();
        await using var markerSubscription = await elsewhere.SubscribeAsync(marker.Enqueue, CancellationToken.None);
        await elsewhere.PublishAsync("marker", CancellationToken.None);
        await WaitForAsync(() => marker.Contains("marker"));
        Assert.Single(heardThere);
        Assert.Equal(["marker"], heardElsewhere);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "a notice did not arrive within 30 s");
            await Task.Delay(20);
        }
    }
}
