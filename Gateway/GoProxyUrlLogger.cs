using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ModMesh.Gateway;

/// <summary>Once the server listens, logs the URL Go clients should put in GOPROXY.</summary>
internal sealed partial class GoProxyUrlLogger(
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<GoProxyUrlLogger> logger) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStarted.Register(LogAddresses);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private void LogAddresses()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Log.GoProxyUrl(logger, ToClientUrl(address));
        }
    }

    /// <summary>"http://0.0.0.0:8080" or "http://[::]:8080" (listen on every interface) becomes this host's name.</summary>
    internal static string ToClientUrl(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+:", "://0.0.0.0:").Replace("://*:", "://0.0.0.0:"), UriKind.Absolute, out var uri))
        {
            return address;
        }

        var host = uri.Host is "0.0.0.0" or "[::]" ? Environment.MachineName : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri.GetLeftPart(UriPartial.Authority);
    }
}
