using ModMesh.AppHost;

// The ModMesh topology on one machine. Configuration reaches the services only through conventions:
// ModMesh__* and Gateway__* variables, ConnectionStrings__redis/blobs, services__* (service discovery) and OTEL_*.
//
//   embedded (default):  go client → gateway → cache node (folder store, in-process fills) → upstream
//   distributed:         go client → gateway → cache nodes ×N (S3 + local tier) ⇄ Redis ⇄ fetchers ×M → upstream
var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.Read(builder);

// With private patterns: the key that marks calls from the gateway (nodes and fetchers take no other calls).
var internalKey = settings.InternalKey is null ? null : builder.AddParameter("internal-key", settings.InternalKey, secret: true);

var gateway = builder.AddProject<Projects.ModMesh_Gateway>("gateway")
    .WithFixedHttpPort(settings.GatewayPort)
    .WithHttpHealthCheck("/health/ready")
    .LogGoProxyWhenReady()
    .WithEnvironmentIfSet("Gateway__Access__Private", settings.Private)
    .WithEnvironmentIfSet("Gateway__Access__TokensFile", settings.TokensFile)
    .WithEnvironmentIfSet("Gateway__Access__RulesFile", settings.RulesFile)
    // Who may purge, read retention reports and verify through the gateway (users and @groups of the rules file).
    .WithEnvironmentIfSet("Gateway__Access__Admins", settings.Private is null ? null : builder.Configuration["ModMesh:Admins"])
    .WithInternalKey(internalKey);

if (settings.Distributed)
{
    // Secrets new on every run unless configured (ModMesh:RedisPassword, ModMesh:JobSigningKey): Redis' password and
    // the key that signs fill jobs between nodes and fetchers.
    var redisPassword = builder.AddParameter("redis-password", settings.RedisPassword, secret: true);
    var jobSigningKey = builder.AddParameter("job-signing-key", settings.JobSigningKey, secret: true);
    var redis = builder.AddRedisServer("redis", settings.RedisPort, redisPassword);
    var blobs = builder.AddS3rver("blobs", settings.S3Port, settings.StoragePath);

    for (var i = 1; i <= settings.Fetchers; i++)
    {
        builder.AddProject<Projects.ModMesh_Fetcher_Worker>($"fetcher-{i}")
            .WithClusterStorage(redis, blobs, jobSigningKey)
            .WithEnvironment("ModMesh__Upstream", settings.Upstream)
            .WithEnvironmentIfSet("ModMesh__Private", settings.Private)
            .WithEnvironmentIfSet("ModMesh__Sumdb", settings.Sumdb)
            .WithInternalKey(internalKey)
            .WithHttpHealthCheck("/health/ready");
    }

    for (var i = 1; i <= settings.CacheNodes; i++)
    {
        var node = builder.AddProject<Projects.ModMesh_CacheNode>($"cachenode-{i}")
            .WithClusterStorage(redis, blobs, jobSigningKey)
            .WithEnvironment("ModMesh__Upstream", settings.Upstream)
            .WithEnvironmentIfSet("ModMesh__Private", settings.Private)
            .WithEnvironmentIfSet("ModMesh__Sumdb", settings.Sumdb)
            .WithInternalKey(internalKey)
            .WithEnvironmentIfSet("ModMesh__Publish__Webhooks", settings.Webhooks)
            .WithHttpHealthCheck("/health/ready");
        var nodeUrl = $"http://cachenode-{i}";
        gateway.WithReference(node).WaitFor(node).WithEnvironment($"Gateway__Nodes__{i - 1}", nodeUrl);
    }
}
else
{
    var node = builder.AddProject<Projects.ModMesh_CacheNode>("cachenode")
        .WithEnvironment("ModMesh__Upstream", settings.Upstream)
        .WithEnvironmentIfSet("ModMesh__Private", settings.Private)
        .WithEnvironmentIfSet("ModMesh__Sumdb", settings.Sumdb)
        .WithInternalKey(internalKey)
        .WithEnvironmentIfSet("ModMesh__Publish__Webhooks", settings.Webhooks)
        .WithEnvironment("ModMesh__Storage__Path", settings.StoragePath)
        .WithHttpHealthCheck("/health/ready");
    gateway.WithReference(node).WaitFor(node).WithEnvironment("Gateway__Nodes__0", "http://cachenode");
}

builder.Build().Run();
