using System.Diagnostics;

namespace ModMesh.Coordination.Tests;

/// <summary>The trace context a fill job carries: written as W3C traceparent, read back strictly.</summary>
public sealed class FillJobTraceTests
{
    private const string Valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void TryParse_WellFormedTraceParent_IsRemoteParent()
    {
        Assert.True(FillJobTrace.TryParse(Valid, out var context));

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", context.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
        Assert.True(context.IsRemote);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")] // another version
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")] // upper case
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")] // zero trace id
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")] // zero span id
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c8031zz-b7ad6b7169203331-01")]
    public void TryParse_AnythingElse_IsRefused(string? traceParent)
    {
        Assert.False(FillJobTrace.TryParse(traceParent, out var context));
        Assert.Equal(default, context);
    }

    [Fact]
    public void Format_W3CActivity_RoundTrips()
    {
        using var activity = new Activity("send").SetIdFormat(ActivityIdFormat.W3C).Start();

        var text = FillJobTrace.Format(activity);

        Assert.True(FillJobTrace.TryParse(text, out var context));
        Assert.Equal(activity.TraceId, context.TraceId);
        Assert.Equal(activity.SpanId, context.SpanId);
    }

    [Fact]
    public void Format_NoActivityOrHierarchicalId_IsNull()
    {
        Assert.Null(FillJobTrace.Format(null));
        using var hierarchical = new Activity("send").SetIdFormat(ActivityIdFormat.Hierarchical).Start();
        Assert.Null(FillJobTrace.Format(hierarchical));
    }
}
