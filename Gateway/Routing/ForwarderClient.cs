using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace ModMesh.Gateway.Routing;

/// <summary>The connection pool the gateway forwards through, one per cluster.</summary>
internal static class ForwarderClient
{
    /// <summary>Idle keep-alive connections to a node are closed after this long. Default: 60 s.</summary>
    public static readonly TimeSpan PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A connection is retired after this long, so DNS changes (a Kubernetes service's pods) are picked up.
    /// Default: 5 min.
    /// </summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A node that does not accept a connection within this time counts as failed. Default: 10 s.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Applied on top of YARP's defaults (no proxy, no redirects, no decompression, no cookies, and W3C trace
    /// context propagation through <c>ActivityHeadersPropagator</c>), which are restated here so they are visible.
    /// No total timeout: the handler has none and YARP uses an <see cref="HttpMessageInvoker"/>, not an HttpClient.
    /// </summary>
    public static void Configure(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        handler.UseProxy = false;
        handler.AllowAutoRedirect = false;
        handler.AutomaticDecompression = DecompressionMethods.None;
        handler.UseCookies = false;
        handler.MaxConnectionsPerServer = int.MaxValue;
        handler.PooledConnectionIdleTimeout = PooledConnectionIdleTimeout;
        handler.PooledConnectionLifetime = PooledConnectionLifetime;
        handler.ConnectTimeout = ConnectTimeout;
    }
}
