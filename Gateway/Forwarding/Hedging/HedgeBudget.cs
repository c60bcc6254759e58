namespace ModMesh.Gateway.Forwarding.Hedging;

/// <summary>
/// A token bucket that bounds hedges to a share of requests: every request deposits <c>percent / 100</c> of a
/// token, every hedge takes a whole one, and the bucket holds at most <c>burst</c> tokens (it starts full). Tokens are
/// kept in thousandths so the bucket is one <see cref="long"/> updated with compare-and-swap.
/// </summary>
internal sealed class HedgeBudget
{
    private const long Scale = 1000;
    private long _milliTokens = -1; // full on first use, whatever the configured burst

    public void Deposit(HedgingOptions options)
    {
        var capacity = (long)options.BudgetBurst * Scale;
        var add = (long)Math.Round(options.BudgetPercent / 100 * Scale);
        while (true)
        {
            var observed = Volatile.Read(ref _milliTokens);
            var next = Math.Min(capacity, (observed == -1 ? capacity : observed) + add);
            if (next == observed || Interlocked.CompareExchange(ref _milliTokens, next, observed) == observed)
            {
                return;
            }
        }
    }

    public bool TryTake(HedgingOptions options)
    {
        var capacity = (long)options.BudgetBurst * Scale;
        while (true)
        {
            var observed = Volatile.Read(ref _milliTokens);
            var current = observed == -1 ? capacity : observed;
            if (current < Scale)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _milliTokens, current - Scale, observed) == observed)
            {
                return true;
            }
        }
    }
}
