using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModMesh.Gateway.Forwarding.Hedging;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Routing;

/// <summary>
/// The connection pool the gateway forwards through (and probes through), one per cluster: keep-alive connections
/// to the nodes, tuned from <see cref="GatewayOptions"/>, with every TCP connection it opens counted
/// (<see cref="GatewayTelemetry.ConnectionsOpened"/>) so keep-alive reuse can be measured.
/// </summary>
/// <remarks>
/// nginx's <c>keepalive 32</c> caps the idle connections kept per upstream; SocketsHttpHandler has no such cap.
/// What it has: <see cref="GatewayOptions.MaxConnectionsPerNode"/> (a cap on all connections, idle or busy; extra
/// requests queue), <see cref="GatewayOptions.PooledConnectionIdleTimeout"/> (idle connections close on their own,
/// so the pool shrinks to what the load needs) and <see cref="GatewayOptions.PooledConnectionLifetime"/>.
/// A configuration reload that changes these settings takes effect for clients YARP creates afterwards (a cluster
/// change); the running pool keeps its settings.
/// </remarks>
internal sealed class ForwarderClient : ForwarderHttpClientFactory
{
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly Counter<long> _connectionsOpened;

    private readonly HedgingState _hedging;

    public ForwarderClient(ILogger<ForwarderHttpClientFactory> logger, IOptionsMonitor<GatewayOptions> options, IMeterFactory meterFactory, HedgingState hedging)
        : base(logger)
    {
        _options = options;
        _hedging = hedging;
        _connectionsOpened = meterFactory.Create(GatewayTelemetry.MeterName)
            .CreateCounter<long>(GatewayTelemetry.ConnectionsOpened, description: "TCP connections the gateway opened to cache nodes.");
    }

    /// <summary>
    /// On top of YARP's defaults (no proxy, no redirects, no decompression, no cookies, W3C trace context
    /// propagation), restated so they are visible. No total timeout: the handler has none and YARP uses an
    /// <see cref="HttpMessageInvoker"/>; the per-request idle limit is the cluster's ActivityTimeout.
    /// </summary>
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var options = _options.CurrentValue;
        handler.UseProxy = false;
        handler.AllowAutoRedirect = false;
        handler.AutomaticDecompression = DecompressionMethods.None;
        handler.UseCookies = false;
        handler.MaxConnectionsPerServer = options.MaxConnectionsPerNode;
        handler.PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout;
        handler.PooledConnectionLifetime = options.PooledConnectionLifetime;
        handler.ConnectTimeout = options.ConnectTimeout;
        handler.ConnectCallback = ConnectAsync;
    }

    /// <summary>Requests carrying a hedge ticket pass through <see cref="HedgingHandler"/> (probes do not carry one).</summary>
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new HedgingHandler(base.WrapHandler(context, handler), _hedging);

    /// <summary>What SocketsHttpHandler does by default (a dual-mode TCP socket, no Nagle), plus the count.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _connectionsOpened.Add(1,
            new KeyValuePair<string, object?>("server.address", context.DnsEndPoint.Host),
            new KeyValuePair<string, object?>("server.port", context.DnsEndPoint.Port));
        return new NetworkStream(socket, ownsSocket: true);
    }
}
