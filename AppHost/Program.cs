using ModMesh.AppHost;

// The ModMesh topology on one machine: go client → gateway (YARP) → cache node → upstream GOPROXY chain.
// Configuration reaches the services only through conventions: ModMesh__* and Gateway__* variables,
// services__cachenode__http__0 (service discovery) and OTEL_* (the dashboard).
var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.Read(builder);

var node = builder.AddProject<Projects.ModMesh_CacheNode>("cachenode")
    .WithEnvironment("ModMesh__Upstream", settings.Upstream)
    .WithEnvironmentIfSet("ModMesh__Private", settings.Private)
    .WithEnvironment("ModMesh__Storage__Path", settings.StoragePath)
    .WithHttpHealthCheck("/health/ready");

builder.AddProject<Projects.ModMesh_Gateway>("gateway")
    .WithReference(node)
    .WaitFor(node)
    .WithEnvironment("Gateway__Nodes__0", "http://cachenode")
    .WithFixedHttpPort(settings.GatewayPort)
    .WithHttpHealthCheck("/health/ready")
    .LogGoProxyWhenReady();

builder.Build().Run();
