using ModMesh.Coordination;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// The one behaviour every coordinator (locks, fill events, negative cache, fill queue) must have (STYLE.md habit 6). A
/// backend's test class says how to make the four and how to let time pass: fake time in-process, a real delay for Redis. TTLs
/// and timeouts here are short (a few hundred milliseconds) with margins that hold on a real clock too.
/// Names are unique per test, so a shared server needs no flushing between tests.
/// </summary>
public abstract class CoordinationConformanceTests : IAsyncLifetime
{
    /// <summary>The short TTL / timeout the tests use.</summary>
    protected static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    /// <summary>Comfortably more than <see cref="Short"/>.</summary>
    protected static readonly TimeSpan PastShort = TimeSpan.FromMilliseconds(500);

    /// <summary>Long enough never to run out during a test.</summary>
    protected static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private (ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue)? _subject;

    /// <summary>A bound on every call, so a hanging backend fails instead of stalling the run.</summary>
    protected CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>The lock provider under test.</summary>
    protected ILockProvider Locks => Subject.Locks;

    /// <summary>The fill events under test.</summary>
    protected IFillEvents Events => Subject.Events;

    /// <summary>The negative cache under test.</summary>
    protected INegativeCache Negative => Subject.Negative;

    /// <summary>The fill queue under test: empty at the start of each test.</summary>
    protected IFillQueue Queue => Subject.Queue;

    private (ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue) Subject =>
        _subject ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>Makes the four coordinators for one test (the queue empty and used by this test alone).</summary>
    protected abstract Task<(ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue)> CreateAsync();

    /// <summary>Lets <paramref name="by"/> pass on the coordinators' clock.</summary>
    protected abstract Task AdvanceTimeAsync(TimeSpan by);

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _subject = await CreateAsync();

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A name no other test uses.</summary>
    protected static string Unique(string what) => $"conformance:{what}:{Guid.NewGuid():N}";

    // ---- locks ----

    [Fact]
    public async Task TryAcquireAsync_50ConcurrentCallers_ExactlyOneWins()
    {
        string resource = Unique("lock");

        var leases = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => Locks.TryAcquireAsync(resource, Long, Ct))));

        var winner = Assert.Single(leases, l => l is not null);
        Assert.Equal(resource, winner!.Resource);
        Assert.False(string.IsNullOrEmpty(winner.Token));
        Assert.True(await winner.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task TryAcquireAsync_Held_ReturnsNull()
    {
        string resource = Unique("lock");
        await using var first = await Locks.TryAcquireAsync(resource, Long, Ct);

        Assert.NotNull(first);
        Assert.Null(await Locks.TryAcquireAsync(resource, Long, Ct));
    }

    [Fact]
    public async Task TryAcquireAsync_AfterRelease_SucceedsWithNewToken()
    {
        string resource = Unique("lock");
        var first = await Locks.TryAcquireAsync(resource, Long, Ct);
        Assert.NotNull(first);

        Assert.True(await first.ReleaseAsync(Ct));
        await using var second = await Locks.TryAcquireAsync(resource, Long, Ct);

        Assert.NotNull(second);
        Assert.NotEqual(first.Token, second.Token);
    }

    [Fact]
    public async Task TryAcquireAsync_AfterTtlRunsOut_Succeeds()
    {
        string resource = Unique("lock");
        var first = await Locks.TryAcquireAsync(resource, Short, Ct);
        Assert.NotNull(first);

        await AdvanceTimeAsync(PastShort);
        await using var second = await Locks.TryAcquireAsync(resource, Long, Ct);

        Assert.NotNull(second);
    }

    [Fact]
    public async Task TryAcquireAsync_DifferentResources_DoNotContend()
    {
        await using var a = await Locks.TryAcquireAsync(Unique("lock-a"), Long, Ct);
        await using var b = await Locks.TryAcquireAsync(Unique("lock-b"), Long, Ct);

        Assert.NotNull(a);
        Assert.NotNull(b);
    }

    [Fact]
    public async Task ReleaseAsync_Twice_ReturnsTrueThenFalse()
    {
        var lease = await Locks.TryAcquireAsync(Unique("lock"), Long, Ct);
        Assert.NotNull(lease);

        Assert.True(await lease.ReleaseAsync(Ct));
        Assert.False(await lease.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task ReleaseAsync_OldLeaseAfterExpiryAndReacquire_ReturnsFalseAndNewOwnerKeepsLock()
    {
        string resource = Unique("lock");
        var old = await Locks.TryAcquireAsync(resource, Short, Ct);
        Assert.NotNull(old);
        await AdvanceTimeAsync(PastShort);
        var current = await Locks.TryAcquireAsync(resource, Long, Ct);
        Assert.NotNull(current);

        Assert.False(await old.ReleaseAsync(Ct));
        await old.DisposeAsync();

        Assert.Null(await Locks.TryAcquireAsync(resource, Long, Ct));
        Assert.True(await current.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task RenewAsync_BeforeExpiry_ExtendsLock()
    {
        string resource = Unique("lock");
        await using var lease = await Locks.TryAcquireAsync(resource, Short, Ct);
        Assert.NotNull(lease);
        await AdvanceTimeAsync(TimeSpan.FromMilliseconds(100));

        Assert.True(await lease.RenewAsync(TimeSpan.FromSeconds(2), Ct));
        await AdvanceTimeAsync(PastShort); // past the first TTL, well inside the renewed one

        Assert.Null(await Locks.TryAcquireAsync(resource, Long, Ct));
        Assert.True(await lease.RenewAsync(TimeSpan.FromSeconds(2), Ct));
        Assert.True(await lease.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task RenewAsync_AfterLossToAnotherOwner_ReturnsFalseAndNewOwnerKeepsLock()
    {
        string resource = Unique("lock");
        var old = await Locks.TryAcquireAsync(resource, Short, Ct);
        Assert.NotNull(old);
        await AdvanceTimeAsync(PastShort);
        await using var current = await Locks.TryAcquireAsync(resource, Short, Ct);
        Assert.NotNull(current);

        Assert.False(await old.RenewAsync(Long, Ct));

        // The old lease did not extend (or take) the new owner's lock: it still runs out on the new owner's TTL.
        Assert.Null(await Locks.TryAcquireAsync(resource, Long, Ct));
        await AdvanceTimeAsync(PastShort);
        await using var third = await Locks.TryAcquireAsync(resource, Long, Ct);
        Assert.NotNull(third);
        Assert.False(await current.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task RenewAsync_AfterExpiry_ReturnsFalseAndDoesNotReacquire()
    {
        string resource = Unique("lock");
        var lease = await Locks.TryAcquireAsync(resource, Short, Ct);
        Assert.NotNull(lease);
        await AdvanceTimeAsync(PastShort);

        Assert.False(await lease.RenewAsync(Long, Ct));

        await using var other = await Locks.TryAcquireAsync(resource, Long, Ct);
        Assert.NotNull(other);
    }

    [Fact]
    public async Task DisposeAsync_Lease_ReleasesLock()
    {
        string resource = Unique("lock");
        var lease = await Locks.TryAcquireAsync(resource, Long, Ct);
        Assert.NotNull(lease);

        await lease.DisposeAsync();

        await using var again = await Locks.TryAcquireAsync(resource, Long, Ct);
        Assert.NotNull(again);
    }

    // ---- fill events ----

    public static TheoryData<OutcomeKind, string?> PublishedOutcomes => new()
    {
        { OutcomeKind.Ok, null },
        { OutcomeKind.NotFound, "not found: example.com/m@v1.0.0: 404 Not Found" },
        { OutcomeKind.UpstreamFailed, "verifying module: checksum mismatch" },
    };

    [Theory]
    [MemberData(nameof(PublishedOutcomes))]
    public async Task WaitAsync_OutcomePublished_ReturnsIt(OutcomeKind status, string? message)
    {
        string key = Unique("fill");
        await using var waiter = await Events.SubscribeAsync(key, Ct);
        var wait = waiter.WaitAsync(Long, Ct);

        await Events.PublishAsync(key, new Outcome(status, message), Ct);

        var outcome = await wait;
        Assert.Equal(status, outcome.Kind);
        Assert.Equal(message, outcome.Message);
    }

    [Fact]
    public async Task WaitAsync_PublishedBetweenSubscribeAndWait_ReturnsIt()
    {
        // The waiter's protocol: subscribe, re-check the store, then wait. A publish in between is not missed.
        string key = Unique("fill");
        await using var waiter = await Events.SubscribeAsync(key, Ct);

        await Events.PublishAsync(key, Outcome.Ok, Ct);

        Assert.Equal(OutcomeKind.Ok, (await waiter.WaitAsync(Long, Ct)).Kind);
    }

    [Fact]
    public async Task WaitAsync_PublishedTwice_ReturnsFirstOutcome()
    {
        string key = Unique("fill");
        await using var waiter = await Events.SubscribeAsync(key, Ct);

        await Events.PublishAsync(key, new Outcome(OutcomeKind.NotFound, "first"), Ct);
        await Events.PublishAsync(key, new Outcome(OutcomeKind.UpstreamFailed, "second"), Ct);

        Assert.Equal(new Outcome(OutcomeKind.NotFound, "first"), await waiter.WaitAsync(Long, Ct));
    }

    [Fact]
    public async Task PublishAsync_SeveralSubscribers_AllReceive()
    {
        string key = Unique("fill");
        var waiters = new List<IFillWaiter>();
        for (int i = 0; i < 5; i++)
        {
            waiters.Add(await Events.SubscribeAsync(key, Ct));
        }

        var waits = waiters.Select(w => w.WaitAsync(Long, Ct)).ToArray();
        await Events.PublishAsync(key, new Outcome(OutcomeKind.NotFound, "gone"), Ct);

        foreach (var outcome in await Task.WhenAll(waits))
        {
            Assert.Equal(new Outcome(OutcomeKind.NotFound, "gone"), outcome);
        }

        foreach (var waiter in waiters)
        {
            await waiter.DisposeAsync();
        }
    }

    [Fact]
    public async Task PublishAsync_NoSubscribers_Succeeds()
    {
        await Events.PublishAsync(Unique("fill"), Outcome.Ok, Ct);
    }

    [Fact]
    public async Task WaitAsync_NothingPublished_ReturnsTimedOut()
    {
        await using var waiter = await Events.SubscribeAsync(Unique("fill"), Ct);
        var wait = waiter.WaitAsync(Short, Ct);

        await AdvanceTimeAsync(PastShort);

        Assert.Equal(OutcomeKind.Pending, (await wait).Kind);
    }

    [Fact]
    public async Task WaitAsync_SubscribedAfterPublish_DoesNotReceiveOldEvent()
    {
        string key = Unique("fill");
        await Events.PublishAsync(key, Outcome.Ok, Ct);

        await using var waiter = await Events.SubscribeAsync(key, Ct);
        var wait = waiter.WaitAsync(Short, Ct);
        await AdvanceTimeAsync(PastShort);

        Assert.Equal(OutcomeKind.Pending, (await wait).Kind);
    }

    [Fact]
    public async Task WaitAsync_OtherKeyPublished_DoesNotReceiveIt()
    {
        string key = Unique("fill");
        await using var waiter = await Events.SubscribeAsync(key, Ct);
        var wait = waiter.WaitAsync(Short, Ct);

        await Events.PublishAsync(key + "-other", Outcome.Ok, Ct);
        await Events.PublishAsync(key[..^1], Outcome.Ok, Ct);
        await AdvanceTimeAsync(PastShort);

        Assert.Equal(OutcomeKind.Pending, (await wait).Kind);
    }

    [Fact]
    public async Task WaitAsync_CallerCancels_ThrowsOperationCanceled()
    {
        await using var waiter = await Events.SubscribeAsync(Unique("fill"), Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var wait = waiter.WaitAsync(Long, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task WaitAsync_AlreadyCancelled_ThrowsOperationCanceled()
    {
        await using var waiter = await Events.SubscribeAsync(Unique("fill"), Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(Long, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task DisposeAsync_Waiter_UnsubscribesWithoutAffectingOthers()
    {
        string key = Unique("fill");
        var gone = await Events.SubscribeAsync(key, Ct);
        await using var stays = await Events.SubscribeAsync(key, Ct);

        await gone.DisposeAsync();
        await gone.DisposeAsync(); // idempotent
        await Events.PublishAsync(key, Outcome.Ok, Ct);

        Assert.Equal(OutcomeKind.Ok, (await stays.WaitAsync(Long, Ct)).Kind);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => gone.WaitAsync(Long, Ct));
    }

    // ---- negative cache ----

    [Fact]
    public async Task GetAsync_AfterSet_ReturnsMessage()
    {
        string key = Unique("neg");

        await Negative.SetAsync(key, "not found: 404", Long, Ct);

        Assert.Equal("not found: 404", await Negative.GetAsync(key, Ct));
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
    {
        Assert.Null(await Negative.GetAsync(Unique("neg"), Ct));
    }

    [Fact]
    public async Task GetAsync_BeforeTtl_ReturnsMessageAndAfterTtl_ReturnsNull()
    {
        string key = Unique("neg");
        await Negative.SetAsync(key, "gone", Short, Ct);

        await AdvanceTimeAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal("gone", await Negative.GetAsync(key, Ct));

        await AdvanceTimeAsync(PastShort);
        Assert.Null(await Negative.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_Again_OverwritesMessageAndTtl()
    {
        string key = Unique("neg");
        await Negative.SetAsync(key, "first", Short, Ct);
        await AdvanceTimeAsync(TimeSpan.FromMilliseconds(100));

        await Negative.SetAsync(key, "second", TimeSpan.FromSeconds(2), Ct);
        await AdvanceTimeAsync(PastShort);

        Assert.Equal("second", await Negative.GetAsync(key, Ct));
    }

    [Fact]
    public async Task RemoveAsync_Entry_GetReturnsNull()
    {
        string key = Unique("neg");
        string other = Unique("neg");
        await Negative.SetAsync(key, "gone", Long, Ct);
        await Negative.SetAsync(other, "also gone", Long, Ct);

        await Negative.RemoveAsync(key, Ct);
        await Negative.RemoveAsync(Unique("neg"), Ct); // missing: no error

        Assert.Null(await Negative.GetAsync(key, Ct));
        Assert.Equal("also gone", await Negative.GetAsync(other, Ct));
    }

    // ---- fill queue ----

    /// <summary>A job for <c>example.com/m@{version}</c>.</summary>
    protected static FillJob Job(string version, string? traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") =>
        new("example.com/M", version, "example.com/!m", version, traceParent, new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero).AddTicks(4567));

    [Fact]
    public async Task MeasureAsync_CountsJobsUntilAcknowledged_TheOldestHasAnAge()
    {
        var depth = Assert.IsAssignableFrom<IFillQueueDepth>(Queue);
        Assert.Equal(new FillQueueDepth(0, null), await depth.MeasureAsync(Ct));

        await Queue.EnqueueAsync(Job("v1.0.0"), Ct);
        await Queue.EnqueueAsync(Job("v1.0.1"), Ct);
        var two = await depth.MeasureAsync(Ct);
        var first = Assert.Single(await Queue.ReadAsync("a", 1, TimeSpan.Zero, Long, Ct));
        var taken = await depth.MeasureAsync(Ct);
        await Queue.AcknowledgeAsync(first, Ct);
        var one = await depth.MeasureAsync(Ct);
        await Queue.AcknowledgeAsync(Assert.Single(await Queue.ReadAsync("a", 1, TimeSpan.Zero, Long, Ct)), Ct);

        Assert.Equal(2, two.Jobs);
        Assert.True(two.OldestAge >= TimeSpan.Zero, two.ToString());
        Assert.Equal(2, taken.Jobs); // taken but not done: still in the queue
        Assert.Equal(1, one.Jobs);
        Assert.Equal(new FillQueueDepth(0, null), await depth.MeasureAsync(Ct));
    }

    [Fact]
    public async Task ReadAsync_Enqueued_DeliversJobOnceUntilAcknowledged()
    {
        var job = Job("v1.0.0");
        await Queue.EnqueueAsync(job, Ct);

        var delivery = Assert.Single(await Queue.ReadAsync("a", 10, TimeSpan.Zero, Long, Ct));

        Assert.Equal(job, delivery.Job);
        Assert.Equal(1, delivery.DeliveryCount);
        Assert.False(string.IsNullOrEmpty(delivery.Id));
        Assert.Empty(await Queue.ReadAsync("b", 10, TimeSpan.Zero, Long, Ct)); // pending with "a", not yet reclaimable
        await Queue.AcknowledgeAsync(delivery, Ct);
        Assert.Empty(await Queue.ReadAsync("b", 10, TimeSpan.Zero, TimeSpan.Zero, Ct)); // done: not even reclaimable
    }

    [Fact]
    public async Task ReadAsync_SeveralJobs_DeliversInOrderUpToMaxCount()
    {
        await Queue.EnqueueAsync(Job("v1.0.0", traceParent: null), Ct);
        await Queue.EnqueueAsync(Job("v1.0.1"), Ct);
        await Queue.EnqueueAsync(Job("v1.0.2"), Ct);

        var first = await Queue.ReadAsync("a", 2, TimeSpan.Zero, Long, Ct);
        var second = await Queue.ReadAsync("a", 2, TimeSpan.Zero, Long, Ct);

        Assert.Equal(["v1.0.0", "v1.0.1"], first.Select(d => d.Job.Version));
        Assert.Null(first[0].Job.TraceParent);
        Assert.Equal("v1.0.2", Assert.Single(second).Job.Version);
        Assert.Equal(3, first.Concat(second).Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public async Task ReadAsync_UnacknowledgedPastReclaimTime_RedeliversToAnotherConsumerWithCount2()
    {
        var job = Job("v1.2.3");
        await Queue.EnqueueAsync(job, Ct);
        var first = Assert.Single(await Queue.ReadAsync("dies", 10, TimeSpan.Zero, Short, Ct));

        Assert.Empty(await Queue.ReadAsync("other", 10, TimeSpan.Zero, Short, Ct)); // not abandoned yet
        await AdvanceTimeAsync(PastShort);
        var second = Assert.Single(await Queue.ReadAsync("other", 10, TimeSpan.Zero, Short, Ct));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(job, second.Job);
        Assert.Equal(1, first.DeliveryCount);
        Assert.Equal(2, second.DeliveryCount);

        await Queue.AcknowledgeAsync(second, Ct);
        await AdvanceTimeAsync(PastShort);
        Assert.Empty(await Queue.ReadAsync("third", 10, TimeSpan.Zero, Short, Ct));
    }

    [Fact]
    public async Task ReadAsync_ReclaimedAgain_CountsEveryDelivery()
    {
        await Queue.EnqueueAsync(Job("v2.0.0"), Ct);
        Assert.Single(await Queue.ReadAsync("a", 10, TimeSpan.Zero, Short, Ct));
        await AdvanceTimeAsync(PastShort);
        Assert.Equal(2, Assert.Single(await Queue.ReadAsync("b", 10, TimeSpan.Zero, Short, Ct)).DeliveryCount);
        await AdvanceTimeAsync(PastShort);

        var third = Assert.Single(await Queue.ReadAsync("c", 10, TimeSpan.Zero, Short, Ct));

        Assert.Equal(3, third.DeliveryCount);
        await Queue.AcknowledgeAsync(third, Ct);
    }

    [Fact]
    public async Task ReadAsync_AcknowledgedJob_NeverComesBack()
    {
        await Queue.EnqueueAsync(Job("v1.0.0"), Ct);
        var delivery = Assert.Single(await Queue.ReadAsync("a", 10, TimeSpan.Zero, Short, Ct));

        await Queue.AcknowledgeAsync(delivery, Ct);
        await Queue.AcknowledgeAsync(delivery, Ct); // twice: harmless
        await AdvanceTimeAsync(PastShort);

        Assert.Empty(await Queue.ReadAsync("b", 10, TimeSpan.Zero, Short, Ct));
        Assert.Empty(await Queue.ReadAsync("a", 10, TimeSpan.Zero, Short, Ct));
    }

    [Fact]
    public async Task ReadAsync_NothingQueued_ReturnsEmptyWhenWaitRunsOut()
    {
        var read = Queue.ReadAsync("a", 10, Short, Long, Ct);
        await Task.Delay(50, Ct); // real time, not the coordinator's clock: the read must still be waiting.
        Assert.False(read.IsCompleted);

        await AdvanceTimeAsync(PastShort);

        Assert.Empty(await read);
    }

    [Fact]
    public async Task ReadAsync_JobEnqueuedWhileWaiting_ReturnsIt()
    {
        var read = Queue.ReadAsync("a", 10, Long, Long, Ct);

        await Queue.EnqueueAsync(Job("v3.0.0"), Ct);

        var delivery = Assert.Single(await read);
        Assert.Equal("v3.0.0", delivery.Job.Version);
        await Queue.AcknowledgeAsync(delivery, Ct);
    }

    [Fact]
    public async Task ReadAsync_CallerCancelsWhileWaiting_ThrowsOperationCanceled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var read = Queue.ReadAsync("a", 10, Long, Long, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task ReadAsync_NonPositiveMaxCount_ThrowsArgumentOutOfRange(int maxCount)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Queue.ReadAsync("a", maxCount, TimeSpan.Zero, Long, Ct));
    }

    [Fact]
    public async Task ReadAsync_20JobsEnqueuedConcurrentlyTwoConsumers_EachDeliveredExactlyOnce()
    {
        var jobs = Enumerable.Range(0, 20).Select(i => Job($"v1.{i}.0")).ToList();
        await Task.WhenAll(jobs.Select(job => Task.Run(() => Queue.EnqueueAsync(job, Ct))));
        int total = 0;

        async Task<List<FillJobDelivery>> ConsumeAsync(string consumer)
        {
            var mine = new List<FillJobDelivery>();
            for (int round = 0; round < 500 && Volatile.Read(ref total) < jobs.Count; round++)
            {
                var batch = await Queue.ReadAsync(consumer, 3, TimeSpan.Zero, Long, Ct);
                foreach (var delivery in batch)
                {
                    await Queue.AcknowledgeAsync(delivery, Ct);
                }

                mine.AddRange(batch);
                Interlocked.Add(ref total, batch.Count);
                await Task.Yield();
            }

            return mine;
        }

        var perConsumer = await Task.WhenAll(Task.Run(() => ConsumeAsync("fetcher-1")), Task.Run(() => ConsumeAsync("fetcher-2")));
        var all = perConsumer.SelectMany(d => d).ToList();

        Assert.Equal(20, all.Count);
        Assert.Equal(20, all.Select(d => d.Id).Distinct().Count());
        Assert.Equal(jobs.Select(j => j.Version).Order(), all.Select(d => d.Job.Version).Order());
        Assert.All(all, d => Assert.Equal(1, d.DeliveryCount));
        Assert.Empty(await Queue.ReadAsync("fetcher-3", 10, TimeSpan.Zero, TimeSpan.Zero, Ct));
    }
}
