using ModMesh.Coordination.Redis;
using ModMesh.TestSupport.Servers;
using StackExchange.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>Redis with a password, as deployed: a node that has it works; one without it (or with another) is refused.</summary>
public sealed class RedisPasswordTests : IAsyncLifetime
{
    private readonly RedisServer _server = new(RedisServer.NewPassword());

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task FillQueue_WithThePassword_Works()
    {
        await using var redis = await RedisConnection.ConnectAsync(_server.ConnectionString);
        var queue = new RedisFillQueue(redis, RedisFixture.NewOptions());

        await queue.EnqueueAsync(new FillJob("example.com/m", "v1.0.0", "example.com/m", "v1.0.0", null, DateTimeOffset.UnixEpoch), Ct);

        Assert.Single(await queue.ReadAsync("fetcher", 10, TimeSpan.Zero, TimeSpan.FromMinutes(1), Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task FillQueue_WithoutOrWithWrongPassword_FailsClearlyAsUnavailable(string? password)
    {
        string connectionString = password is null ? _server.AnonymousConnectionString : $"{_server.AnonymousConnectionString},password={password}";
        await using var redis = await RedisConnection.ConnectAsync(connectionString);
        var queue = new RedisFillQueue(redis, RedisFixture.NewOptions());

        // Every attempt is refused as "unavailable". The reason names authentication once the multiplexer has recorded
        // its failed handshake; an attempt made while a reconnect is still under way says only "no connection", so the
        // reason is awaited over a few reconnect cycles (back-off 250 ms .. 2 s) rather than expected on the first try.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Exception error;
        do
        {
            error = await Assert.ThrowsAnyAsync<Exception>(() =>
                queue.EnqueueAsync(new FillJob("example.com/m", "v1.0.0", "example.com/m", "v1.0.0", null, DateTimeOffset.UnixEpoch), Ct));
            Assert.True(RedisConnection.IsUnavailable(error), error.ToString()); // the node falls back; it never trusts a half-connection
            if (error.Message.Contains("Authentication", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            await Task.Delay(100, Ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Contains("Authentication", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await LengthOfEveryStreamAsync());
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    private async Task<long> LengthOfEveryStreamAsync()
    {
        await using var admin = await RedisConnection.ConnectAsync(_server.ConnectionString);
        return (await admin.GetServer(admin.GetEndPoints()[0]).KeysAsync(pattern: "*").ToArrayAsync()).Length;
    }
}
