using StackExchange.Redis;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// How ModMesh connects to Redis, and how callers recognise "Redis is unavailable".
/// </summary>
/// <remarks>
/// <para>
/// Outage behaviour (what the node's fallback relies on). Redis errors are NOT wrapped: every coordinator call
/// throws StackExchange.Redis' own exceptions, promptly:
/// <list type="bullet">
/// <item><see cref="RedisConnectionException"/> at once (milliseconds) while the multiplexer knows it is disconnected
/// (server stopped, connection refused, during reconnection): <see cref="BacklogPolicy.FailFast"/> means nothing is
/// queued to wait for a reconnect.</item>
/// <item><see cref="RedisTimeoutException"/> (a <see cref="TimeoutException"/>, not a <see cref="RedisException"/>)
/// after the async timeout (default 2 s) when the connection looks up but the server does not answer (a hung server,
/// a silent network partition).</item>
/// </list>
/// <see cref="IsUnavailable"/> tells both (and the server's "try later" errors) apart from programming errors.
/// Cancellation by the caller's token throws <see cref="OperationCanceledException"/> as usual; a command already sent
/// still runs on the server (an acquired lock then frees itself when its TTL runs out).
/// </para>
/// <para>
/// Recovery: the multiplexer reconnects by itself (every 0.25–2 s, exponential, while Redis is away) and
/// re-subscribes every live pub/sub subscription, so existing fill waiters hear events again; the queue re-creates its
/// consumer group when Redis lost it (a restarted server without persistence). Nothing needs recreating.
/// </para>
/// </remarks>
public static class RedisConnection
{
    /// <summary>Connect, sync and async timeout applied unless the connection string sets its own: 2 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    private static readonly string[] ServerUnavailablePrefixes = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"];

    /// <summary>
    /// Parses an Aspire-style connection string (<c>"127.0.0.1:6379,abortConnect=false"</c>, any StackExchange.Redis
    /// option) and applies ModMesh's outage defaults: <c>abortConnect=false</c> always (a service starts while Redis is
    /// down), <c>connectTimeout</c>/<c>syncTimeout</c>/<c>asyncTimeout</c> = <see cref="DefaultTimeout"/> and
    /// <c>connectRetry=1</c> unless given (so start-up with Redis down waits one connect timeout, not three), fail-fast
    /// instead of queueing commands while disconnected, and a reconnect backoff capped at 2 s.
    /// </summary>
    public static ConfigurationOptions CreateConfiguration(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = ConfigurationOptions.Parse(connectionString);
        var given = connectionString
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2)[0].Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        int timeout = (int)DefaultTimeout.TotalMilliseconds;
        if (!given.Contains("connectTimeout"))
        {
            options.ConnectTimeout = timeout;
        }

        if (!given.Contains("syncTimeout"))
        {
            options.SyncTimeout = timeout;
        }

        if (!given.Contains("asyncTimeout"))
        {
            options.AsyncTimeout = timeout;
        }

        if (!given.Contains("connectRetry"))
        {
            options.ConnectRetry = 1; // the first connect gives up after one connect timeout; reconnecting goes on anyway.
        }

        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 2000);
        return options;
    }

    /// <summary>
    /// Connects a multiplexer with <see cref="CreateConfiguration"/>. Returns within about the connect timeout even
    /// when Redis is down; the multiplexer then keeps reconnecting in the background.
    /// </summary>
    public static async Task<IConnectionMultiplexer> ConnectAsync(string connectionString) =>
        await ConnectionMultiplexer.ConnectAsync(CreateConfiguration(connectionString)).ConfigureAwait(false);

    /// <summary>
    /// Whether <paramref name="exception"/> means "Redis is unavailable right now" (no connection, no answer in time,
    /// or a server that is loading/failing over): the caller should degrade (local single-flight), not fail the request.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => ServerUnavailablePrefixes.Any(p => server.Message.StartsWith(p, StringComparison.Ordinal)),
        _ => false,
    };
}
