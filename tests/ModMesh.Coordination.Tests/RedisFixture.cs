using ModMesh.Coordination.Redis;
using ModMesh.TestSupport.Servers;
using StackExchange.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>
/// One real redis-server and one shared multiplexer (one "node") for a test class. Tests keep apart by a unique
/// key prefix (see <see cref="NewOptions"/>), so the server needs no flushing.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private IConnectionMultiplexer? _redis;

    /// <summary>The running server.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>The shared multiplexer, made with ModMesh's configuration.</summary>
    public IConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>Options whose keys, channels and stream no other test uses, with a job-signing key of their own.</summary>
    public static RedisCoordinationOptions NewOptions() => new() { KeyPrefix = $"test:{Guid.NewGuid():N}:", JobSigningKey = NewSigningKey() };

    /// <summary>A fresh random job-signing key (32 bytes, base64).</summary>
    public static string NewSigningKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = new RedisServer();
        _redis = await RedisConnection.ConnectAsync(_server.ConnectionString);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _server?.Dispose();
    }
}
