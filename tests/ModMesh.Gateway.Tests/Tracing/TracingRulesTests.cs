using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using ModMesh.ServiceDefaults.Tracing;

namespace ModMesh.Gateway.Tests.Tracing;

/// <summary>What every service's HTTP instrumentation leaves out of the traces and how it judges answers.</summary>
public sealed class TracingRulesTests
{
    [Theory]
    [InlineData("/health/ready", false)]
    [InlineData("/health/live", false)]
    [InlineData("/HEALTH/ready", false)]
    [InlineData("/alive", false)]
    [InlineData("/metrics", false)]
    [InlineData("/healthy.example.com/m/@v/list", true)]
    [InlineData("/example.com/health/@v/v1.0.0.zip", true)]
    [InlineData("/metricsx", true)]
    public void ShouldTrace_ServerAndClient_LeaveOutProbesAndScrapes(string path, bool traced)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;

        Assert.Equal(traced, TracingRules.ShouldTrace(context));
        Assert.Equal(traced, TracingRules.ShouldTrace(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:5000" + path)));
    }

    [Fact]
    public void ShouldTrace_RequestMarkedUntraced_IsLeftOutWhateverItsPath()
    {
        var probe = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:5000/custom-probe").MarkUntraced();

        Assert.False(TracingRules.ShouldTrace(probe));
    }

    [Theory]
    [InlineData("HEAD", HttpStatusCode.NotFound, ActivityStatusCode.Unset)]
    [InlineData("GET", HttpStatusCode.NotFound, ActivityStatusCode.Unset)]
    [InlineData("GET", HttpStatusCode.Gone, ActivityStatusCode.Unset)]
    [InlineData("PUT", HttpStatusCode.NotFound, ActivityStatusCode.Error)]
    [InlineData("GET", HttpStatusCode.Forbidden, ActivityStatusCode.Error)]
    [InlineData("HEAD", HttpStatusCode.InternalServerError, ActivityStatusCode.Error)]
    public void JudgeClientAnswer_LookupNotFound_IsNotAnError(string method, HttpStatusCode status, ActivityStatusCode expected)
    {
        using var activity = new Activity("client").Start();
        activity.SetStatus(ActivityStatusCode.Error);
        activity.SetTag(TracingRules.ErrorTypeAttribute, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = new HttpResponseMessage(status) { RequestMessage = new HttpRequestMessage(new HttpMethod(method), "http://127.0.0.1/k") };

        TracingRules.JudgeClientAnswer(activity, response);

        Assert.Equal(expected, activity.Status);
        Assert.Equal(expected == ActivityStatusCode.Error, activity.GetTagItem(TracingRules.ErrorTypeAttribute) is not null);
    }

    [Theory]
    [InlineData(StatusCodes.Status404NotFound, ActivityStatusCode.Unset)]
    [InlineData(StatusCodes.Status410Gone, ActivityStatusCode.Unset)]
    [InlineData(StatusCodes.Status503ServiceUnavailable, ActivityStatusCode.Error)]
    public void JudgeServerAnswer_Below500_IsNotAnError(int status, ActivityStatusCode expected)
    {
        using var activity = new Activity("server").Start();
        activity.SetStatus(ActivityStatusCode.Error);
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;

        TracingRules.JudgeServerAnswer(activity, context.Response);

        Assert.Equal(expected, activity.Status);
    }

    [Fact]
    public void MarkAbandoned_RememberedClientSpan_IsTagged()
    {
        using var activity = new Activity("client").Start();
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.IsAllDataRequested = true;
        var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/m/@v/v1.0.0.zip");
        TracingRules.RememberClientSpan(activity, request);

        TracingRules.MarkAbandoned(request);

        Assert.Equal(true, activity.GetTagItem(TracingRules.AbandonedAttribute));
    }

    [Fact]
    public void RememberServerRequest_KeepsTheAbortTokenOnTheServerSpan()
    {
        using var server = new Activity("server").Start();
        using var aborted = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = aborted.Token };

        TracingRules.RememberServerRequest(server, context.Request);

        Assert.Equal(aborted.Token, server.GetCustomProperty("ModMesh.RequestAborted"));
    }
}
