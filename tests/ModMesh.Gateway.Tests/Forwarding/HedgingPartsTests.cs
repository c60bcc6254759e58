using ModMesh.Gateway.Forwarding.Hedging;

namespace ModMesh.Gateway.Tests.Forwarding;

/// <summary>The hedge delay (recent latency, floor, cap) and the hedge budget (a share of requests, a burst).</summary>
public sealed class HedgingPartsTests
{
    private static readonly HedgingOptions Defaults = new();

    [Fact]
    public void Delay_UntilEnoughLatenciesAreKnown_IsTheCap()
    {
        var delay = new HedgeDelay();
        for (var i = 0; i < HedgeDelay.MinimumSamples - 1; i++)
        {
            delay.Record(TimeSpan.FromMilliseconds(400));
        }

        Assert.Equal(Defaults.MaxDelay, delay.Current(Defaults));
    }

    [Theory]
    [InlineData(1, 250)] // fast answers: the floor
    [InlineData(200, 400)] // 2 × p95
    [InlineData(900, 1000)] // slow answers: the cap
    public void Delay_IsTwiceThe95thPercentile_BetweenFloorAndCap(double milliseconds, double expected)
    {
        var delay = new HedgeDelay();
        for (var i = 0; i < HedgeDelay.WindowSize; i++)
        {
            delay.Record(TimeSpan.FromMilliseconds(milliseconds));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(expected), delay.Current(Defaults));
    }

    [Fact]
    public void Delay_FollowsThe95thPercentile_NotTheMeanOrTheMaximum()
    {
        var delay = new HedgeDelay();
        for (var i = 0; i < HedgeDelay.WindowSize; i++)
        {
            // One in ten at 10 s: the 95th percentile is one of the slow ones (the cap applies).
            delay.Record(TimeSpan.FromMilliseconds(i % 10 == 0 ? 10_000 : 100));
        }

        Assert.Equal(Defaults.MaxDelay, delay.Current(Defaults));

        var mostlyFast = new HedgeDelay();
        for (var i = 0; i < HedgeDelay.WindowSize; i++)
        {
            // One in fifty at 10 s (about 2%): the 95th percentile is a fast one, the slow ones do not matter.
            mostlyFast.Record(TimeSpan.FromMilliseconds(i % 50 == 0 ? 10_000 : 150));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(300), mostlyFast.Current(Defaults));
    }

    [Fact]
    public void Budget_StartsWithTheBurst_ThenAllowsOneHedgePerTenRequests()
    {
        var budget = new HedgeBudget();
        var allowed = 0;
        while (budget.TryTake(Defaults))
        {
            allowed++;
        }

        Assert.Equal(Defaults.BudgetBurst, allowed);

        var hedges = 0;
        for (var request = 0; request < 1000; request++)
        {
            budget.Deposit(Defaults);
            if (budget.TryTake(Defaults))
            {
                hedges++;
            }
        }

        Assert.Equal(100, hedges); // 10% of 1000 requests
    }

    [Fact]
    public void Budget_NeverHoldsMoreThanTheBurst()
    {
        var budget = new HedgeBudget();
        for (var request = 0; request < 100_000; request++)
        {
            budget.Deposit(Defaults);
        }

        var allowed = 0;
        while (budget.TryTake(Defaults))
        {
            allowed++;
        }

        Assert.Equal(Defaults.BudgetBurst, allowed);
    }

    [Fact]
    public void Budget_ConcurrentTakers_NeverExceedWhatWasDeposited()
    {
        var budget = new HedgeBudget();
        var taken = 0;
        Parallel.For(0, 40_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            budget.Deposit(Defaults);
            if (budget.TryTake(Defaults))
            {
                Interlocked.Increment(ref taken);
            }
        });

        Assert.InRange(taken, 1, Defaults.BudgetBurst + 4_000);
    }
}
