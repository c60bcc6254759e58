namespace ModMesh.Discovery.Consul;

/// <summary>The agent endpoints a service uses to announce itself.</summary>
public interface IConsulAgentClient
{
    /// <summary>PUT /v1/agent/service/register. Throws <see cref="ConsulException"/> on a non-2xx answer.</summary>
    Task RegisterServiceAsync(ConsulServiceRegistration registration, CancellationToken cancellationToken);

    /// <summary>PUT /v1/agent/service/deregister/{id}. Returns false when the agent does not know the id (404).</summary>
    Task<bool> DeregisterServiceAsync(string serviceId, CancellationToken cancellationToken);
}

/// <summary>The health endpoint a watcher uses.</summary>
public interface IConsulHealthClient
{
    /// <summary>
    /// GET /v1/health/service/{service}?passing=true, blocking while the state is still at <paramref name="index"/>
    /// (0: answer at once) for at most <paramref name="wait"/>.
    /// </summary>
    Task<ConsulQueryResult<IReadOnlyList<ConsulServiceEntry>>> GetPassingServiceAsync(
        string service, ulong index, TimeSpan wait, CancellationToken cancellationToken);
}

/// <summary>Consul answered with an error status.</summary>
public sealed class ConsulException(string message, System.Net.HttpStatusCode statusCode) : Exception(message)
{
    public System.Net.HttpStatusCode StatusCode { get; } = statusCode;
}
