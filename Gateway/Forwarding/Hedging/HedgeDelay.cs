namespace ModMesh.Gateway.Forwarding.Hedging;

/// <summary>
/// The hedge delay, derived from recent latency: the 95th percentile of the last <see cref="WindowSize"/>
/// times-to-headers of good answers, times a multiplier, bounded by a floor and a cap. Until
/// <see cref="MinimumSamples"/> latencies are known it is the cap. Recording is lock-free; the percentile is recomputed
/// every <see cref="RecomputeEvery"/> samples, off the common path.
/// </summary>
internal sealed class HedgeDelay
{
    public const int WindowSize = 256;
    public const int MinimumSamples = 32;
    public const int RecomputeEvery = 32;

    private readonly double[] _samples = new double[WindowSize];
    private readonly Lock _recompute = new();
    private long _recorded;
    private double _p95Milliseconds = double.NaN;

    /// <summary>The 95th percentile of the window in milliseconds; NaN until enough samples.</summary>
    public double P95Milliseconds => Volatile.Read(ref _p95Milliseconds);

    public void Record(TimeSpan timeToHeaders)
    {
        var n = Interlocked.Increment(ref _recorded);
        Volatile.Write(ref _samples[(n - 1) % WindowSize], timeToHeaders.TotalMilliseconds);
        if (n >= MinimumSamples && n % RecomputeEvery == 0)
        {
            Recompute(Math.Min(n, WindowSize));
        }
    }

    /// <summary>The delay after which a request still without an answer is hedged.</summary>
    public TimeSpan Current(HedgingOptions options)
    {
        var p95 = P95Milliseconds;
        if (double.IsNaN(p95))
        {
            return options.MaxDelay;
        }

        var delay = TimeSpan.FromMilliseconds(p95 * options.LatencyMultiplier);
        return delay < options.MinDelay ? options.MinDelay : delay > options.MaxDelay ? options.MaxDelay : delay;
    }

    private void Recompute(long count)
    {
        if (!_recompute.TryEnter())
        {
            return; // another thread is at it; its answer is as good
        }

        try
        {
            var copy = new double[count];
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] = Volatile.Read(ref _samples[i]);
            }

            Array.Sort(copy);
            var index = (int)Math.Ceiling(0.95 * copy.Length) - 1;
            Volatile.Write(ref _p95Milliseconds, copy[Math.Clamp(index, 0, copy.Length - 1)]);
        }
        finally
        {
            _recompute.Exit();
        }
    }
}
