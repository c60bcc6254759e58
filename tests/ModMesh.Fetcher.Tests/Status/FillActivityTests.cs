using Microsoft.Extensions.Time.Testing;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Status;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Tests.Status;

/// <summary>What the status page reads of the fill path: bounded rings, newest first, upstream percentiles and failures.</summary>
public sealed class FillActivityTests
{
    [Fact]
    public void RecordFill_MoreThanTheWindow_KeepsTheNewestNewestFirst()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var activity = new FillActivity(time);

        for (var i = 0; i < FillActivity.FillWindow + 7; i++)
        {
            activity.RecordFill(Request($"v1.0.{i}"), OutcomeKind.Ok, TimeSpan.FromMilliseconds(i), "this node", "proxy.example:443");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var fills = activity.Snapshot().Fills;
        Assert.Equal(FillActivity.FillWindow, fills.Count);
        Assert.Equal($"v1.0.{FillActivity.FillWindow + 6}", fills[0].Version);
        Assert.Equal("v1.0.7", fills[^1].Version);
        Assert.Equal(fills.OrderByDescending(f => f.At), fills);
    }

    [Fact]
    public void RecordUpstream_CountsErrors_KeepsTheLastFailure_PercentilesOfRecentLatencies()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var activity = new FillActivity(time);

        for (var ms = 1; ms <= 100; ms++)
        {
            activity.RecordUpstream("proxy.example:443", ok: true, TimeSpan.FromMilliseconds(ms));
        }

        time.Advance(TimeSpan.FromMinutes(1));
        activity.RecordUpstream("proxy.example:443", ok: false, TimeSpan.FromMilliseconds(1000), "HTTP 502");
        activity.RecordStoreLookup(hit: true);
        activity.RecordStoreLookup(hit: true);
        activity.RecordStoreLookup(hit: false);

        var snapshot = activity.Snapshot();
        var upstream = Assert.Single(snapshot.Upstreams);
        Assert.Equal(101, upstream.Requests);
        Assert.Equal(1, upstream.Errors);
        Assert.Equal("HTTP 502", upstream.LastFailureReason);
        Assert.Equal(time.GetUtcNow(), upstream.LastFailure);
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromMinutes(1), upstream.LastSuccess);
        Assert.Equal(51, upstream.P50Milliseconds);
        Assert.Equal(100, upstream.P99Milliseconds);
        Assert.Equal((2, 1), (snapshot.StoreHits, snapshot.StoreMisses));
    }

    [Fact]
    public void RecordUpstream_DuringAFill_TheServingUpstreamIsRemembered_NotAFailedOne()
    {
        var activity = new FillActivity(TimeProvider.System);

        var source = activity.BeginFill();
        activity.RecordUpstream("down.example", ok: false, TimeSpan.FromMilliseconds(5), "could not connect");
        activity.RecordUpstream("proxy.example:443", ok: true, TimeSpan.FromMilliseconds(5), served: true);

        Assert.Equal("proxy.example:443", source.Upstream);
    }

    private static FillRequest Request(string version) =>
        FillRequest.TryCreate("example.com/status", version, ModuleFile.Zip, out var request, out var error) ? request : throw new InvalidOperationException(error);
}
