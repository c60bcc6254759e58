using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using ModMesh.Gateway.Health;
using ModMesh.Gateway.Tests.Infrastructure;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.Health;

public sealed class FailuresAndSuccessesActiveHealthPolicyTests
{
    private readonly ClusterState _cluster = YarpFakes.Cluster();
    private readonly DestinationState _node = new("node0");
    private readonly FailuresAndSuccessesActiveHealthPolicy _policy =
        new(new RecordingHealthUpdater(), YarpFakes.Options(), NullLogger<FailuresAndSuccessesActiveHealthPolicy>.Instance);

    private DestinationHealth Probe(bool ok)
    {
        var result = ok
            ? new DestinationProbingResult(_node, new HttpResponseMessage(HttpStatusCode.OK), null)
            : new DestinationProbingResult(_node, new HttpResponseMessage(HttpStatusCode.ServiceUnavailable), null);
        _policy.ProbingCompleted(_cluster, [result]);
        return _node.Health.Active;
    }

    [Fact]
    public void ProbingCompleted_ThreeConsecutiveFailures_Eject()
    {
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: true));
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: false));
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: false));
        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: false));
    }

    [Fact]
    public void ProbingCompleted_SuccessBetweenFailures_ResetsTheCount()
    {
        Probe(ok: false);
        Probe(ok: false);
        Probe(ok: true);
        Probe(ok: false);
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: false));
        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: false));
    }

    [Fact]
    public void ProbingCompleted_EjectedNode_OneSuccessDoesNotReadmitTwoDo()
    {
        Probe(ok: false);
        Probe(ok: false);
        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: false));

        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: true));
        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: false)); // flapping: the streak starts over
        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: true));
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: true));
    }

    [Fact]
    public void ProbingCompleted_TransportErrorOrTimeout_CountsAsFailure()
    {
        for (var i = 0; i < 3; i++)
        {
            _policy.ProbingCompleted(_cluster, [new DestinationProbingResult(_node, null, new HttpRequestException("refused", new SocketException()))]);
        }

        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active);
    }

    [Fact]
    public void ProbingCompleted_OneProbeWithoutAnswer_EjectsAtOnce_ByDefault()
    {
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: true));
        _policy.ProbingCompleted(_cluster, [new DestinationProbingResult(_node, null, new TaskCanceledException("probe timed out"))]);

        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active); // a grey failure: no waiting for 3 failures
    }

    [Fact]
    public void ProbingCompleted_NodeNotYetHeardFrom_TimeoutsCountAsOrdinaryFailures()
    {
        // The gateway just started: a first probe round that times out (connections, JIT) must not eject every node.
        var timeout = new DestinationProbingResult(_node, null, new TaskCanceledException("probe timed out"));
        _policy.ProbingCompleted(_cluster, [timeout]);
        _policy.ProbingCompleted(_cluster, [timeout]);
        Assert.Equal(DestinationHealth.Unknown, _node.Health.Active);
        _policy.ProbingCompleted(_cluster, [timeout]);
        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active); // three failures, as for any failure
    }

    [Fact]
    public void ProbingCompleted_TimeoutsToEjectFromMetadata_CountsOnlyConsecutiveTimeouts()
    {
        var cluster = YarpFakes.Cluster(new Dictionary<string, string> { [FailuresAndSuccessesActiveHealthPolicy.TimeoutsMetadataKey] = "2" });
        var timeout = new DestinationProbingResult(_node, null, new TaskCanceledException("probe timed out"));
        var ok = new DestinationProbingResult(_node, new HttpResponseMessage(HttpStatusCode.OK), null);

        _policy.ProbingCompleted(cluster, [ok]);
        _policy.ProbingCompleted(cluster, [timeout]);
        _policy.ProbingCompleted(cluster, [ok]);
        _policy.ProbingCompleted(cluster, [timeout]);
        Assert.Equal(DestinationHealth.Healthy, _node.Health.Active); // not consecutive
        _policy.ProbingCompleted(cluster, [timeout]);
        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.OK)]
    public void ProbingCompleted_DrainSignal_EjectsAtOnceWhateverTheStatus(HttpStatusCode status)
    {
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: true));
        var answer = new HttpResponseMessage(status);
        answer.Headers.Add(ModMesh.ServiceDefaults.Draining.DrainSignal.HeaderName, ModMesh.ServiceDefaults.Draining.DrainSignal.Value);
        _policy.ProbingCompleted(_cluster, [new DestinationProbingResult(_node, answer, null)]);

        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active);
        Assert.Equal(DestinationHealth.Unhealthy, Probe(ok: true)); // back only after two good probes
        Assert.Equal(DestinationHealth.Healthy, Probe(ok: true));
    }

    [Fact]
    public void ProbingCompleted_UnprobedNodeFailingOnce_StaysUnknown()
    {
        Assert.Equal(DestinationHealth.Unknown, Probe(ok: false));
    }

    [Fact]
    public void ProbingCompleted_ClusterMetadata_OverridesThresholds()
    {
        var cluster = YarpFakes.Cluster(new Dictionary<string, string>
        {
            [FailuresAndSuccessesActiveHealthPolicy.FailuresMetadataKey] = "1",
            [FailuresAndSuccessesActiveHealthPolicy.SuccessesMetadataKey] = "3",
        });
        var fail = new DestinationProbingResult(_node, new HttpResponseMessage(HttpStatusCode.ServiceUnavailable), null);
        var ok = new DestinationProbingResult(_node, new HttpResponseMessage(HttpStatusCode.OK), null);

        _policy.ProbingCompleted(cluster, [fail]);
        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active);
        _policy.ProbingCompleted(cluster, [ok]);
        _policy.ProbingCompleted(cluster, [ok]);
        Assert.Equal(DestinationHealth.Unhealthy, _node.Health.Active);
        _policy.ProbingCompleted(cluster, [ok]);
        Assert.Equal(DestinationHealth.Healthy, _node.Health.Active);
    }
}
