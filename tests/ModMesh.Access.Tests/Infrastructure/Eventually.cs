namespace ModMesh.Access.Tests.Infrastructure;

/// <summary>Waits, polling, for something another thread (a file system watcher) makes true; fails after a bound.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? DefaultBound);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(bound ?? DefaultBound).TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }
}
