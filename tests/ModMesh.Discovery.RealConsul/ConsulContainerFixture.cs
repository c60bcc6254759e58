using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace ModMesh.Discovery.RealConsul;

/// <summary>
/// A real Consul agent (dev mode, single server) in a container for the whole test run. With no Docker engine this
/// throws with a message naming what is missing: these tests fail, they never skip.
/// </summary>
public sealed class ConsulContainerFixture : IAsyncLifetime
{
    /// <summary>The image; override with MODMESH_CONSUL_IMAGE.</summary>
    public static string Image => Environment.GetEnvironmentVariable("MODMESH_CONSUL_IMAGE") is { Length: > 0 } image ? image : "hashicorp/consul:1.20";

    private IContainer? _container;

    /// <summary>"http://127.0.0.1:mapped-port".</summary>
    public string Url { get; private set; } = "";

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        try
        {
            _container = new ContainerBuilder(Image)
                .WithCommand("agent", "-dev", "-client", "0.0.0.0", "-log-level", "warn")
                .WithPortBinding(8500, assignRandomHostPort: true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(8500).ForPath("/v1/status/leader")))
                .Build();
            await _container.StartAsync();
        }
        catch (Exception e) when (e is DockerUnavailableException or TypeInitializationException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The real-Consul tests need a Docker engine to run the '{Image}' container, and none is reachable " +
                $"(DOCKER_HOST or the local socket). These tests are not part of scripts/test.sh; run them where Docker runs: " +
                $"dotnet test tests/ModMesh.Discovery.RealConsul. Cause: {e.GetType().Name}: {e.Message}", e);
        }

        Port = _container.GetMappedPublicPort(8500);
        Url = $"http://127.0.0.1:{Port}";
    }

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsulCollection : ICollectionFixture<ConsulContainerFixture>
{
    public const string Name = "Real Consul";
}
