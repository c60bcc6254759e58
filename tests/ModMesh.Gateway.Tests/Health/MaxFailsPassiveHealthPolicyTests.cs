using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Gateway.Health;
using ModMesh.Gateway.Tests.Infrastructure;
using ModMesh.Protocol;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.Health;

public sealed class MaxFailsPassiveHealthPolicyTests
{
    private static readonly TimeSpan FailTimeout = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly RecordingHealthUpdater _updater = new();
    private readonly ClusterState _cluster = YarpFakes.Cluster();
    private readonly DestinationState _node = new("node0");
    private readonly MaxFailsPassiveHealthPolicy _policy;

    public MaxFailsPassiveHealthPolicyTests()
    {
        _policy = new MaxFailsPassiveHealthPolicy(_updater, YarpFakes.Options(), _time, YarpFakes.MeterFactory(), NullLogger<MaxFailsPassiveHealthPolicy>.Instance);
    }

    private void Proxied(HttpContext context) => _policy.RequestProxied(context, _cluster, _node);

    [Fact]
    public void RequestProxied_ThreeFailuresWithinFailTimeout_EjectsForFailTimeout()
    {
        Proxied(YarpFakes.Failed(ForwarderError.Request));
        _time.Advance(TimeSpan.FromSeconds(10));
        Proxied(YarpFakes.Answered(StatusCodes.Status503ServiceUnavailable));
        Assert.Empty(_updater.Passive);
        _time.Advance(TimeSpan.FromSeconds(10));
        Proxied(YarpFakes.Failed(ForwarderError.RequestTimedOut, StatusCodes.Status504GatewayTimeout));

        var (destination, health, reactivation) = Assert.Single(_updater.Passive);
        Assert.Same(_node, destination);
        Assert.Equal(DestinationHealth.Unhealthy, health);
        Assert.Equal(FailTimeout, reactivation);
    }

    [Fact]
    public void RequestProxied_ThreeFailuresSpreadOverMoreThanFailTimeout_DoesNotEject()
    {
        Proxied(YarpFakes.Answered(StatusCodes.Status502BadGateway));
        _time.Advance(TimeSpan.FromSeconds(16));
        Proxied(YarpFakes.Answered(StatusCodes.Status502BadGateway));
        _time.Advance(TimeSpan.FromSeconds(15)); // the first failure is now 31 s old: outside the window
        Proxied(YarpFakes.Answered(StatusCodes.Status502BadGateway));

        Assert.Empty(_updater.Passive);

        _time.Advance(TimeSpan.FromSeconds(1)); // the 2nd and 3rd are 16 s and 1 s old
        Proxied(YarpFakes.Answered(StatusCodes.Status502BadGateway));
        Assert.Single(_updater.Passive);
    }

    [Theory]
    [InlineData(StatusCodes.Status404NotFound)]
    [InlineData(StatusCodes.Status410Gone)]
    [InlineData(StatusCodes.Status500InternalServerError)]
    [InlineData(StatusCodes.Status200OK)]
    public void RequestProxied_NormalAnswers_NeverCount(int status)
    {
        for (var i = 0; i < 10; i++)
        {
            Proxied(YarpFakes.Answered(status));
        }

        Assert.Empty(_updater.Passive);
    }

    [Theory]
    [InlineData(StatusCodes.Status502BadGateway)]
    [InlineData(StatusCodes.Status504GatewayTimeout)]
    public void RequestProxied_UpstreamBlamedFailures_NeverCount(int status)
    {
        for (var i = 0; i < 10; i++)
        {
            Proxied(YarpFakes.Answered(status, FailureBlame.Upstream));
        }

        Assert.Empty(_updater.Passive);
    }

    [Theory]
    [InlineData(StatusCodes.Status503ServiceUnavailable, FailureBlame.Node)]
    [InlineData(StatusCodes.Status503ServiceUnavailable, null)]
    [InlineData(StatusCodes.Status503ServiceUnavailable, FailureBlame.Upstream)] // a 503 is always the node's own
    [InlineData(StatusCodes.Status502BadGateway, null)] // an older or foreign node: counted as before
    [InlineData(StatusCodes.Status504GatewayTimeout, null)]
    [InlineData(StatusCodes.Status502BadGateway, FailureBlame.Node)]
    [InlineData(StatusCodes.Status502BadGateway, "something else")]
    public void RequestProxied_NodeFailures_EjectAfterMaxFails(int status, string? blame)
    {
        Proxied(YarpFakes.Answered(status, blame));
        Proxied(YarpFakes.Answered(status, blame));
        Assert.Empty(_updater.Passive);
        Proxied(YarpFakes.Answered(status, blame));

        var (destination, health, _) = Assert.Single(_updater.Passive);
        Assert.Same(_node, destination);
        Assert.Equal(DestinationHealth.Unhealthy, health);
    }

    [Fact]
    public void RequestProxied_TransportErrorsAmongUpstreamFailures_StillEject()
    {
        // YARP answers a transport error with a 502 of its own, without the blame header: the node's failure.
        Proxied(YarpFakes.Failed(ForwarderError.Request));
        Proxied(YarpFakes.Answered(StatusCodes.Status502BadGateway, FailureBlame.Upstream));
        Proxied(YarpFakes.Failed(ForwarderError.RequestTimedOut, StatusCodes.Status504GatewayTimeout));
        Proxied(YarpFakes.Answered(StatusCodes.Status504GatewayTimeout, FailureBlame.Upstream));
        Assert.Empty(_updater.Passive);
        Proxied(YarpFakes.Failed(ForwarderError.ResponseHeaders));

        Assert.Single(_updater.Passive);
    }

    [Fact]
    public void RequestProxied_ClientHungUp_NeverCounts()
    {
        for (var i = 0; i < 10; i++)
        {
            Proxied(YarpFakes.ClientAborted(ForwarderError.RequestCanceled));
            Proxied(YarpFakes.ClientAborted(ForwarderError.ResponseBodyCanceled));
            // Even a transport error, when the client has gone: the client's leaving may have caused it.
            Proxied(YarpFakes.ClientAborted(ForwarderError.ResponseBodyDestination));
        }

        Assert.Empty(_updater.Passive);
    }

    [Fact]
    public void RequestProxied_AfterFailTimeout_TrialSuccessReadmitsWithCleanSlate()
    {
        EjectNow();
        Reactivate();

        Proxied(YarpFakes.Answered(StatusCodes.Status200OK)); // the trial succeeds
        Proxied(YarpFakes.Answered(StatusCodes.Status503ServiceUnavailable));
        Proxied(YarpFakes.Answered(StatusCodes.Status503ServiceUnavailable));

        Assert.Single(_updater.Passive); // two fresh failures are below max_fails
    }

    [Fact]
    public void RequestProxied_AfterFailTimeout_TrialFailureEjectsAgainAtOnce()
    {
        EjectNow();
        Reactivate();

        Proxied(YarpFakes.Failed(ForwarderError.Request));

        Assert.Equal(2, _updater.Passive.Count);
        Assert.Equal(FailTimeout, _updater.Passive[1].Reactivation);
    }

    [Fact]
    public void RequestProxied_FailuresWhileOut_AreNotCountedAgain()
    {
        EjectNow();
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 5; i++)
        {
            Proxied(YarpFakes.Failed(ForwarderError.Request)); // requests sent before the node was taken out
        }

        Assert.Single(_updater.Passive);
    }

    [Fact]
    public void RequestProxied_ClusterMetadata_OverridesDefaults()
    {
        var cluster = YarpFakes.Cluster(new Dictionary<string, string>
        {
            [MaxFailsPassiveHealthPolicy.CountMetadataKey] = "1",
            [MaxFailsPassiveHealthPolicy.FailTimeoutMetadataKey] = "00:00:05",
        });

        _policy.RequestProxied(YarpFakes.Answered(StatusCodes.Status503ServiceUnavailable), cluster, _node);

        var (_, health, reactivation) = Assert.Single(_updater.Passive);
        Assert.Equal(DestinationHealth.Unhealthy, health);
        Assert.Equal(TimeSpan.FromSeconds(5), reactivation);
    }

    /// <summary>What YARP's reactivation timer does after the period passed to SetPassive.</summary>
    private void Reactivate()
    {
        _time.Advance(FailTimeout);
        _node.Health.Passive = DestinationHealth.Unknown;
    }

    private void EjectNow()
    {
        for (var i = 0; i < 3; i++)
        {
            Proxied(YarpFakes.Answered(StatusCodes.Status503ServiceUnavailable));
        }

        Assert.Single(_updater.Passive);
    }
}
