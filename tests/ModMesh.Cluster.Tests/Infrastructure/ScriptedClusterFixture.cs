using ModMesh.TestSupport.Http;

namespace ModMesh.Cluster.Tests.Infrastructure;

/// <summary>
/// A test class's cluster: a <see cref="ScriptedUpstream"/> (modules defined by <see cref="Script"/>) behind an
/// <see cref="UpstreamFront"/>, and a <see cref="ClusterTopology"/> whose services each reach it through their own
/// front prefix. Started once per class, stopped (every process and server) at its end.
/// </summary>
public abstract class ScriptedClusterFixture : IAsyncLifetime
{
    private ScriptedUpstream? _upstream;
    private UpstreamFront? _front;
    private ClusterTopology? _cluster;

    public ScriptedUpstream Upstream => _upstream ?? throw new InvalidOperationException("Not initialized.");

    public UpstreamFront Front => _front ?? throw new InvalidOperationException("Not initialized.");

    public ClusterTopology Cluster => _cluster ?? throw new InvalidOperationException("Not initialized.");

    protected virtual ClusterOptions Options => new();

    /// <summary>Defines the upstream's modules and faults.</summary>
    protected abstract void Script(ScriptedUpstream upstream, UpstreamFront front);

    public virtual async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _front = await UpstreamFront.StartAsync(_upstream.Url);
        Script(_upstream, _front);
        _cluster = await ClusterTopology.StartAsync(_front.BaseFor, Options);
    }

    public virtual async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_front is not null)
        {
            await _front.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }
}
