using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Coordination.InProcess;

namespace ModMesh.Coordination.Tests;

/// <summary>What only the in-process fill queue can show: its tables, its clock, its DI wiring.</summary>
public sealed class InProcessFillQueueTests
{
    private readonly FakeTimeProvider _time = new();

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static FillJob Job(string version) => new("example.com/m", version, "example.com/m", version, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task AcknowledgeAsync_Delivered_EmptiesPendingTable()
    {
        var queue = new InProcessFillQueue(_time);
        await queue.EnqueueAsync(Job("v1.0.0"), Ct);
        Assert.Equal(1, queue.ReadyCount);

        var delivery = Assert.Single(await queue.ReadAsync("a", 1, TimeSpan.Zero, TimeSpan.FromMinutes(1), Ct));
        Assert.Equal((0, 1), (queue.ReadyCount, queue.PendingCount));
        await queue.AcknowledgeAsync(delivery, Ct);

        Assert.Equal((0, 0), (queue.ReadyCount, queue.PendingCount));
    }

    [Fact]
    public async Task ReadAsync_ReclaimTimeOnInjectedClock_RedeliversExactlyAtIt()
    {
        var queue = new InProcessFillQueue(_time);
        await queue.EnqueueAsync(Job("v1.0.0"), Ct);
        Assert.Single(await queue.ReadAsync("a", 1, TimeSpan.Zero, TimeSpan.FromMinutes(1), Ct));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await queue.ReadAsync("b", 1, TimeSpan.Zero, TimeSpan.FromMinutes(1), Ct));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, Assert.Single(await queue.ReadAsync("b", 1, TimeSpan.Zero, TimeSpan.FromMinutes(1), Ct)).DeliveryCount);
    }

    [Fact]
    public async Task ReadAsync_ReclaimedAndNew_ReclaimedFirstWithinMaxCount()
    {
        var queue = new InProcessFillQueue(_time);
        await queue.EnqueueAsync(Job("v1.0.0"), Ct);
        Assert.Single(await queue.ReadAsync("a", 1, TimeSpan.Zero, TimeSpan.FromSeconds(1), Ct));
        await queue.EnqueueAsync(Job("v2.0.0"), Ct);
        await queue.EnqueueAsync(Job("v3.0.0"), Ct);
        _time.Advance(TimeSpan.FromSeconds(1));

        var got = await queue.ReadAsync("b", 2, TimeSpan.Zero, TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(["v1.0.0", "v2.0.0"], got.Select(d => d.Job.Version));
        Assert.Equal([2, 1], got.Select(d => d.DeliveryCount));
    }

    [Fact]
    public async Task ReadAsync_TwoWaitersOneJob_OneGetsItOtherKeepsWaiting()
    {
        var queue = new InProcessFillQueue(_time);
        var first = queue.ReadAsync("a", 1, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), Ct);
        var second = queue.ReadAsync("b", 1, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), Ct);

        await queue.EnqueueAsync(Job("v1.0.0"), Ct);
        var winner = await Task.WhenAny(first, second);
        Assert.Single(await winner);
        var loser = winner == first ? second : first;
        await Task.Delay(50, Ct);
        Assert.False(loser.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await loser);
    }

    [Fact]
    public async Task AddInProcessCoordination_RegistersQueueOnRegisteredClock()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        await using var provider = services.AddInProcessCoordination().BuildServiceProvider();

        var queue = provider.GetRequiredService<IFillQueue>();
        Assert.IsType<InProcessFillQueue>(queue);
        Assert.Same(queue, provider.GetRequiredService<IFillQueue>());

        var read = queue.ReadAsync("a", 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await read);
    }
}
