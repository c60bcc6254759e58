using ModMesh.TestSupport.Servers;

namespace ModMesh.Storage.Tests;

/// <summary>One real s3rver per test class; each test makes its own bucket on it.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private S3rverServer? _server;

    /// <summary>The running server.</summary>
    public S3rverServer Server => _server ?? throw new InvalidOperationException("The s3rver fixture has not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await S3rverServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
