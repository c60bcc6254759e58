using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// The ModMesh topology on one machine: go client → gateway (YARP) → cache node → upstream GOPROXY chain.
// Configuration reaches the services only through conventions: ModMesh__* and Gateway__* variables,
// services__cachenode__http__0 (service discovery) and OTEL_* (the dashboard).
var builder = DistributedApplication.CreateBuilder(args);

// The settings of this AppHost (appsettings.json; override with ModMesh__Upstream=... or --ModMesh:Upstream=...).
var modMesh = builder.Configuration.GetSection("ModMesh");
var upstream = modMesh["Upstream"] is { Length: > 0 } u ? u : "https://proxy.golang.org";
var privatePatterns = modMesh["Private"];
// Default storage: <repository root>/.modmesh/storage, the repository root being the AppHost project's parent
// folder, so every `dotnet run --project AppHost` (from any working directory) shares one cache.
var storagePath = Path.GetFullPath(modMesh["Storage:Path"] is { Length: > 0 } s
    ? s
    : Path.Combine(builder.AppHostDirectory, "..", ".modmesh", "storage"));
var gatewayPort = modMesh.GetValue("GatewayPort", 8080);

var node = builder.AddProject<Projects.ModMesh_CacheNode>("cachenode")
    .WithEnvironment("ModMesh__Upstream", upstream)
    .WithEnvironment("ModMesh__Storage__Path", storagePath)
    .WithHttpHealthCheck("/health/ready");
if (!string.IsNullOrEmpty(privatePatterns))
{
    node.WithEnvironment("ModMesh__Private", privatePatterns);
}

var gateway = builder.AddProject<Projects.ModMesh_Gateway>("gateway")
    .WithReference(node)
    .WaitFor(node)
    .WithEnvironment("Gateway__Nodes__0", "http://cachenode")
    // The URL go clients use: a fixed port the gateway binds itself (no orchestrator proxy between client and
    // gateway, so the port is predictable and zips stream through one hop less).
    .WithEndpoint("http", endpoint =>
    {
        endpoint.Port = gatewayPort;
        endpoint.TargetPort = gatewayPort;
        endpoint.IsProxied = false;
    })
    .WithHttpHealthCheck("/health/ready");

gateway.OnResourceReady((resource, ready, cancellationToken) =>
{
    // The endpoint is allocated by now; the gateway binds exactly this address (not proxied).
    var http = resource.GetEndpoint("http");
    var logger = ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModMesh");
    logger.LogInformation("ModMesh is ready: export GOPROXY={GoProxy} (url {Url}, host {Host})", $"{http.Scheme}://127.0.0.1:{http.Port}", http.Url, http.Host);
    return Task.CompletedTask;
});

builder.Build().Run();
