using System.Diagnostics;

namespace ModMesh.Gateway.Tests.Infrastructure;

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> every 10 ms; returns how long it took, or throws after <paramref name="timeout"/>.</summary>
    public static async Task<TimeSpan> UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F1} s waiting until {what}.");
            }

            await Task.Delay(10);
        }

        return clock.Elapsed;
    }
}
