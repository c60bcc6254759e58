using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModMesh.Gateway;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Tests.Infrastructure;

/// <summary>Records health decisions and applies them to the destinations, like YARP's updater (minus timers).</summary>
internal sealed class RecordingHealthUpdater : IDestinationHealthUpdater
{
    public List<(DestinationState Destination, DestinationHealth Health, TimeSpan Reactivation)> Passive { get; } = [];

    public void SetPassive(ClusterState cluster, DestinationState destination, DestinationHealth newHealth, TimeSpan reactivationPeriod)
    {
        Passive.Add((destination, newHealth, reactivationPeriod));
        destination.Health.Passive = newHealth;
    }

    public void SetActive(ClusterState cluster, IEnumerable<NewActiveDestinationHealth> newHealthStates)
    {
        foreach (var state in newHealthStates)
        {
            state.Destination.Health.Active = state.NewActiveHealth;
        }
    }
}

internal sealed class TestForwarderErrorFeature(ForwarderError error) : IForwarderErrorFeature
{
    public ForwarderError Error { get; } = error;

    public Exception? Exception => null;
}

internal static class YarpFakes
{
    public static ClusterState Cluster(IReadOnlyDictionary<string, string>? metadata = null) =>
        new("cachenodes", new ClusterModel(new ClusterConfig { ClusterId = "cachenodes", Metadata = metadata }, new HttpMessageInvoker(new SocketsHttpHandler())));

    public static IOptionsMonitor<GatewayOptions> Options(GatewayOptions? options = null) => new StaticOptionsMonitor(options ?? new GatewayOptions());

    public static IMeterFactory MeterFactory() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static HttpContext Answered(int statusCode, string? blame = null)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = statusCode;
        if (blame is not null)
        {
            context.Response.Headers[ModMesh.Protocol.FailureBlame.HeaderName] = blame;
        }

        return context;
    }

    public static HttpContext Failed(ForwarderError error, int statusCode = StatusCodes.Status502BadGateway)
    {
        var context = Answered(statusCode);
        context.Features.Set<IForwarderErrorFeature>(new TestForwarderErrorFeature(error));
        return context;
    }

    public static HttpContext ClientAborted(ForwarderError error)
    {
        var context = Failed(error, StatusCodes.Status400BadRequest);
        context.RequestAborted = new CancellationToken(canceled: true);
        return context;
    }

    private sealed class StaticOptionsMonitor(GatewayOptions value) : IOptionsMonitor<GatewayOptions>
    {
        public GatewayOptions CurrentValue => value;

        public GatewayOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<GatewayOptions, string?> listener) => null;
    }
}
