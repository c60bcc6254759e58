using Microsoft.Extensions.Time.Testing;
using ModMesh.Coordination.InProcess;
using ModMesh.Coordination.Resilience;

namespace ModMesh.Coordination.Tests.Resilience;

/// <summary>The coordination conformance suite against the failover wrappers, the shared coordinator answering.</summary>
public sealed class FailoverCoordinationConformanceTests : CoordinationConformanceTests
{
    private readonly FakeTimeProvider _time = new();

    protected override Task<(ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue)> CreateAsync()
    {
        var failover = new CoordinationFailover(ex => ex is IOException or TimeoutException);
        var shared = new SwitchableCoordinator(new InProcessLockProvider(_time), new InProcessFillEvents(_time), new InProcessNegativeCache(_time));
        return Task.FromResult<(ILockProvider, IFillEvents, INegativeCache, IFillQueue)>((
            new FailoverLockProvider(shared.Locks, new InProcessLockProvider(_time), failover),
            new FailoverFillEvents(shared.Events, new InProcessFillEvents(_time), failover),
            new FailoverNegativeCache(shared.Negative, new InProcessNegativeCache(_time), failover),
            new InProcessFillQueue(_time)));
    }

    protected override Task AdvanceTimeAsync(TimeSpan by)
    {
        _time.Advance(by);
        return Task.CompletedTask;
    }
}

/// <summary>The conformance suite again with the shared coordinator down for the whole test: the local one must stand in whole.</summary>
public sealed class FailoverSharedDownCoordinationConformanceTests : CoordinationConformanceTests
{
    private readonly FakeTimeProvider _time = new();

    protected override Task<(ILockProvider Locks, IFillEvents Events, INegativeCache Negative, IFillQueue Queue)> CreateAsync()
    {
        var failover = new CoordinationFailover(ex => ex is IOException or TimeoutException);
        var shared = new SwitchableCoordinator(new InProcessLockProvider(_time), new InProcessFillEvents(_time), new InProcessNegativeCache(_time))
        {
            Failure = new IOException("redis is down (test)"),
        };
        return Task.FromResult<(ILockProvider, IFillEvents, INegativeCache, IFillQueue)>((
            new FailoverLockProvider(shared.Locks, new InProcessLockProvider(_time), failover),
            new FailoverFillEvents(shared.Events, new InProcessFillEvents(_time), failover),
            new FailoverNegativeCache(shared.Negative, new InProcessNegativeCache(_time), failover),
            new InProcessFillQueue(_time)));
    }

    protected override Task AdvanceTimeAsync(TimeSpan by)
    {
        _time.Advance(by);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The failover wrappers with a shared coordinator that fails on demand (Redis down) and in-process coordinators as the
/// local ones, all on one fake clock.
/// </summary>
public sealed class FailoverCoordinationTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();
    private readonly InProcessLockProvider _sharedLocks;
    private readonly InProcessFillEvents _sharedEvents;
    private readonly InProcessNegativeCache _sharedNegative;
    private readonly InProcessLockProvider _localLocks;
    private readonly InProcessFillEvents _localEvents;
    private readonly InProcessNegativeCache _localNegative;
    private readonly SwitchableCoordinator _shared;
    private readonly FailoverLockProvider _locks;
    private readonly FailoverFillEvents _events;
    private readonly FailoverNegativeCache _negative;

    public FailoverCoordinationTests()
    {
        _sharedLocks = new InProcessLockProvider(_time);
        _sharedEvents = new InProcessFillEvents(_time);
        _sharedNegative = new InProcessNegativeCache(_time);
        _localLocks = new InProcessLockProvider(_time);
        _localEvents = new InProcessFillEvents(_time);
        _localNegative = new InProcessNegativeCache(_time);
        _shared = new SwitchableCoordinator(_sharedLocks, _sharedEvents, _sharedNegative);
        var failover = new CoordinationFailover(ex => ex is IOException or TimeoutException);
        _locks = new FailoverLockProvider(_shared.Locks, _localLocks, failover);
        _events = new FailoverFillEvents(_shared.Events, _localEvents, failover);
        _negative = new FailoverNegativeCache(_shared.Negative, _localNegative, failover);
    }

    /// <summary>A bound on every call in these tests.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public static TheoryData<Exception> Outages => new()
    {
        new IOException("connection reset (test)"),
        new TimeoutException("redis timeout (test)"),
    };

    // ---- the decision ----

    [Fact]
    public void IsUnavailable_Cancellation_IsNeverUnavailableEvenWhenPredicateSaysSo()
    {
        var failover = new CoordinationFailover(_ => true);

        Assert.False(failover.IsUnavailable(new OperationCanceledException()));
        Assert.False(failover.IsUnavailable(new TaskCanceledException()));
        Assert.True(failover.IsUnavailable(new IOException()));
    }

    // ---- locks ----

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task TryAcquireAsync_SharedUnavailable_TakesLocalLock(Exception outage)
    {
        _shared.Failure = outage;

        await using var lease = await _locks.TryAcquireAsync("fill/m@v1", Long, Ct);

        Assert.NotNull(lease);
        Assert.Null(await _localLocks.TryAcquireAsync("fill/m@v1", Long, Ct)); // held in the local coordinator
        Assert.Null(await _locks.TryAcquireAsync("fill/m@v1", Long, Ct)); // local single-flight
        _shared.Failure = null;
        await using var sharedLease = await _sharedLocks.TryAcquireAsync("fill/m@v1", Long, Ct);
        Assert.NotNull(sharedLease); // nothing was taken in the shared coordinator
    }

    [Fact]
    public async Task TryAcquireAsync_SharedAnswersAgain_TakesSharedLockAgain()
    {
        _shared.Failure = new IOException("redis is down (test)");
        await using var during = await _locks.TryAcquireAsync("fill/a@v1", Long, Ct);
        Assert.NotNull(during);

        _shared.Failure = null;
        await using var after = await _locks.TryAcquireAsync("fill/b@v1", Long, Ct);

        Assert.NotNull(after);
        Assert.Null(await _sharedLocks.TryAcquireAsync("fill/b@v1", Long, Ct)); // held in the shared coordinator
        await using var local = await _localLocks.TryAcquireAsync("fill/b@v1", Long, Ct);
        Assert.NotNull(local); // and not locally
    }

    [Fact]
    public async Task TryAcquireAsync_SharedHeldByOtherNode_ReturnsNullWithoutLocalFallback()
    {
        await using var otherNode = await _sharedLocks.TryAcquireAsync("fill/m@v1", Long, Ct);
        Assert.NotNull(otherNode);

        Assert.Null(await _locks.TryAcquireAsync("fill/m@v1", Long, Ct));

        await using var local = await _localLocks.TryAcquireAsync("fill/m@v1", Long, Ct);
        Assert.NotNull(local); // contention is a result, not an outage: nothing was taken locally
    }

    [Fact]
    public async Task TryAcquireAsync_SharedThrowsCancellation_ThrowsAndTakesNoLocalLock()
    {
        _shared.Failure = new OperationCanceledException("the caller gave up (test)");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _locks.TryAcquireAsync("fill/m@v1", Long, Ct));

        await using var local = await _localLocks.TryAcquireAsync("fill/m@v1", Long, Ct);
        Assert.NotNull(local);
    }

    [Fact]
    public async Task TryAcquireAsync_SharedThrowsUnexpectedError_Propagates()
    {
        _shared.Failure = new InvalidOperationException("a bug, not an outage (test)");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _locks.TryAcquireAsync("fill/m@v1", Long, Ct));
    }

    // ---- events ----

    [Fact]
    public async Task WaitAsync_SharedDownAndLocalPublish_WaiterHearsIt()
    {
        _shared.Failure = new IOException("redis is down (test)");
        await using var waiter = await _events.SubscribeAsync("fill/m@v1", Ct);
        var wait = waiter.WaitAsync(Long, Ct);

        await _events.PublishAsync("fill/m@v1", new Outcome(OutcomeKind.NotFound, "gone"), Ct);

        Assert.Equal(new Outcome(OutcomeKind.NotFound, "gone"), await wait);
    }

    [Fact]
    public async Task WaitAsync_SharedUpAndOtherNodePublishes_WaiterHearsIt()
    {
        await using var waiter = await _events.SubscribeAsync("fill/m@v1", Ct);
        var wait = waiter.WaitAsync(Long, Ct);

        await _sharedEvents.PublishAsync("fill/m@v1", Outcome.Ok, Ct); // another node, through the shared coordinator only

        Assert.Equal(OutcomeKind.Ok, (await wait).Kind);
    }

    [Fact]
    public async Task WaitAsync_SharedFailsMidWaitThenLocalPublish_ReturnsLocalOutcome()
    {
        await using var waiter = await _events.SubscribeAsync("fill/m@v1", Ct);
        var wait = waiter.WaitAsync(Long, Ct);

        _shared.BreakPendingWaits(new IOException("connection lost (test)"));
        await _shared.WaitBroken.WaitAsync(Ct); // the shared wait failed mid-wait (it must not end the wait)
        Assert.False(wait.IsCompleted);
        await _events.PublishAsync("fill/m@v1", Outcome.Ok, Ct);

        Assert.Equal(OutcomeKind.Ok, (await wait).Kind);
    }

    [Fact]
    public async Task WaitAsync_SharedFailsMidWaitAndNothingPublished_TimesOutWhenLocalWaitDoes()
    {
        var timeout = TimeSpan.FromSeconds(10);
        await using var waiter = await _events.SubscribeAsync("fill/m@v1", Ct);
        var wait = waiter.WaitAsync(timeout, Ct);
        _shared.BreakPendingWaits(new IOException("connection lost (test)"));
        await _shared.WaitBroken.WaitAsync(Ct);

        _time.Advance(timeout);

        // On the injected clock the wait is over: it must not go on for another timeout of real time.
        var finished = await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(2), Ct));
        Assert.True(finished == wait, "the wait did not end when its timeout ran out on the clock (shared failed mid-wait)");
        Assert.Equal(OutcomeKind.Pending, (await wait).Kind);
    }

    [Fact]
    public async Task WaitAsync_SharedWaitThrowsCancellationMidWait_ThrowsInsteadOfFallingBack()
    {
        await using var waiter = await _events.SubscribeAsync("fill/m@v1", Ct);
        var wait = waiter.WaitAsync(Long, Ct);

        _shared.BreakPendingWaits(new OperationCanceledException("cancelled (test)"));

        var finished = await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(5), Ct));
        Assert.True(finished == wait, "a cancellation of the shared wait was treated as an outage (the wait went on)");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task SubscribeAsync_SharedThrowsCancellation_Throws()
    {
        _shared.Failure = new OperationCanceledException("cancelled (test)");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _events.SubscribeAsync("fill/m@v1", Ct));
    }

    [Fact]
    public async Task PublishAsync_SharedUp_ReachesLocalAndSharedSubscribers()
    {
        await using var local = await _localEvents.SubscribeAsync("fill/m@v1", Ct);
        await using var otherNode = await _sharedEvents.SubscribeAsync("fill/m@v1", Ct);

        await _events.PublishAsync("fill/m@v1", new Outcome(OutcomeKind.UpstreamFailed, "bad zip"), Ct);

        Assert.Equal(new Outcome(OutcomeKind.UpstreamFailed, "bad zip"), await local.WaitAsync(TimeSpan.Zero, Ct));
        Assert.Equal(new Outcome(OutcomeKind.UpstreamFailed, "bad zip"), await otherNode.WaitAsync(TimeSpan.Zero, Ct));
    }

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task PublishAsync_SharedDown_PublishesLocallyWithoutThrowing(Exception outage)
    {
        await using var local = await _localEvents.SubscribeAsync("fill/m@v1", Ct);
        _shared.Failure = outage;

        await _events.PublishAsync("fill/m@v1", Outcome.Ok, Ct);

        Assert.Equal(OutcomeKind.Ok, (await local.WaitAsync(TimeSpan.Zero, Ct)).Kind);
    }

    [Fact]
    public async Task PublishAsync_SharedThrowsCancellation_Throws()
    {
        _shared.Failure = new OperationCanceledException("cancelled (test)");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _events.PublishAsync("fill/m@v1", Outcome.Ok, Ct));
    }

    // ---- negative cache ----

    [Fact]
    public async Task GetAsync_SharedDown_ReadsLocalEntry()
    {
        _shared.Failure = new IOException("redis is down (test)");

        await _negative.SetAsync("fill/m@v9", "404 Not Found", Long, Ct);

        Assert.Equal("404 Not Found", await _negative.GetAsync("fill/m@v9", Ct));
        Assert.Equal("404 Not Found", await _localNegative.GetAsync("fill/m@v9", Ct));
    }

    [Fact]
    public async Task SetAsync_SharedUp_WritesBoth()
    {
        await _negative.SetAsync("fill/m@v9", "404 Not Found", Long, Ct);

        Assert.Equal("404 Not Found", await _sharedNegative.GetAsync("fill/m@v9", Ct));
        Assert.Equal("404 Not Found", await _localNegative.GetAsync("fill/m@v9", Ct));
    }

    [Fact]
    public async Task GetAsync_SharedUp_ReadsOtherNodesEntry()
    {
        await _sharedNegative.SetAsync("fill/m@v9", "410 Gone", Long, Ct);

        Assert.Equal("410 Gone", await _negative.GetAsync("fill/m@v9", Ct));
    }

    [Fact]
    public async Task RemoveAsync_SharedDown_RemovesLocalEntryWithoutThrowing()
    {
        await _negative.SetAsync("fill/m@v9", "404", Long, Ct);
        _shared.Failure = new TimeoutException("redis timeout (test)");

        await _negative.RemoveAsync("fill/m@v9", Ct);

        Assert.Null(await _negative.GetAsync("fill/m@v9", Ct));
        _shared.Failure = null;
        Assert.Equal("404", await _sharedNegative.GetAsync("fill/m@v9", Ct)); // the shared entry stays until its TTL
    }

    [Fact]
    public async Task GetAsync_SharedThrowsCancellation_ThrowsInsteadOfReadingLocal()
    {
        await _localNegative.SetAsync("fill/m@v9", "404", Long, Ct);
        _shared.Failure = new OperationCanceledException("cancelled (test)");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _negative.GetAsync("fill/m@v9", Ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _negative.SetAsync("fill/m@v8", "404", Long, Ct));
    }
}
