using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Cluster.Tests.Infrastructure;

/// <summary>Reads a service's Prometheus /metrics text.</summary>
public static class Metrics
{
    /// <summary>One scrape of <paramref name="service"/>.</summary>
    public static Task<PrometheusScrape> ScrapeAsync(HttpClient client, ServiceProcess service) =>
        PrometheusScrape.ScrapeAsync(client, service.BaseAddress, CancellationToken.None);
}
