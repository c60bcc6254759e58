using System.Reflection;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using ModMesh.CacheNode.Queries;
using ModMesh.Coordination.Redis;
using ModMesh.Discovery;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Queueing;
using ModMesh.Fetcher.Upstream;
using ModMesh.Gateway;
using ModMesh.ServiceDefaults.Draining;
using ModMesh.Storage.Tiering;

namespace ModMesh.Deploy.Tests;

/// <summary>
/// The Kubernetes manifests under deploy/kubernetes, loaded with the Kubernetes client's typed YAML reader, checked
/// against what the services really read and expose: a typo in a setting name or a probe path would otherwise only
/// show in a cluster.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Folder = RenderedManifests.KubernetesFolder;

    // Configuration sections the services bind, and the options type behind each.
    private static readonly (string Section, Type Options)[] Sections =
    [
        ("ModMesh:Fill", typeof(FillOptions)),
        ("ModMesh:Cache", typeof(QueryCacheOptions)),
        ("ModMesh:LocalTier", typeof(LocalTierOptions)),
        ("ModMesh:Coordination", typeof(RedisCoordinationOptions)),
        ("ModMesh:Fetcher", typeof(FillJobConsumerOptions)),
        ("ModMesh", typeof(UpstreamOptions)),
        ("Gateway:Discovery", typeof(DiscoveryOptions)),
        ("Gateway:Access", typeof(ModMesh.Gateway.Access.GatewayAccessOptions)),
        ("ModMesh:Publish", typeof(ModMesh.Fetcher.Publishing.PublishOptions)),
        ("Gateway", typeof(GatewayOptions)),
        ("Drain", typeof(DrainOptions)),
    ];

    // Keys read directly, not through an options type.
    private static readonly string[] RawKeys = ["ModMesh:InternalKey", "ModMesh:Storage:Path", "ConnectionStrings:redis", "ConnectionStrings:blobs", "ASPNETCORE_URLS"];

    // The ModMesh services' Deployments (the others run Redis and the OpenTelemetry collector).
    private static readonly string[] ServiceNames = ["modmesh-gateway", "modmesh-cachenode", "modmesh-fetcher"];

    private static readonly Lazy<IReadOnlyList<object>> Objects = new(LoadAll);

    [Fact]
    public void Kustomization_ListsEveryManifestAndOnlyExistingOnes()
    {
        var listed = File.ReadAllLines(Path.Combine(Folder, "kustomization.yaml"))
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("- ", StringComparison.Ordinal))
            .Select(l => l[2..].Trim())
            .Order(StringComparer.Ordinal)
            .ToArray();
        var files = Directory.GetFiles(Folder, "*.yaml")
            .Select(Path.GetFileName)
            .Where(n => n != "kustomization.yaml")
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(files, listed);
    }

    [Fact]
    public void Manifests_LoadAsTypedObjects_AllInTheModMeshNamespace()
    {
        Assert.NotEmpty(Objects.Value);
        foreach (var item in Objects.Value)
        {
            var meta = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(item).Metadata;
            if (item is not V1Namespace)
            {
                Assert.Equal("modmesh", meta.NamespaceProperty);
            }
        }

        Assert.Equal(5, Deployments().Count());
    }

    [Fact]
    public void ServiceDeployments_ProbeTheHealthEndpointsEveryServiceMaps()
    {
        foreach (var (deployment, container) in ModMeshContainers())
        {
            Assert.Equal("/health/ready", container.ReadinessProbe?.HttpGet?.Path);
            Assert.Equal("/health/live", container.LivenessProbe?.HttpGet?.Path);
            var port = Assert.Single(container.Ports, p => p.Name == "http").ContainerPort;
            Assert.Equal($"http://+:{port}", Env(container, "ASPNETCORE_URLS"));
            Assert.Equal("http", container.ReadinessProbe!.HttpGet.Port.Value);
            Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), deployment.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
            Assert.Equal("/metrics", deployment.Spec.Template.Metadata.Annotations["prometheus.io/path"]);
        }
    }

    [Fact]
    public void Deployments_PinImagesAndBoundMemory()
    {
        foreach (var deployment in Deployments())
        {
            foreach (var container in deployment.Spec.Template.Spec.Containers)
            {
                Assert.Contains(':', container.Image);
                Assert.False(container.Image.EndsWith(":latest", StringComparison.Ordinal), $"{container.Image} is not pinned");
                Assert.NotNull(container.Resources?.Requests);
                Assert.True(container.Resources!.Limits?.ContainsKey("memory") == true, $"{deployment.Metadata.Name} has no memory limit");
            }
        }
    }

    [Fact]
    public void ServiceDeployments_GracePeriodCoversDrainDelayAndShutdown()
    {
        foreach (var (deployment, container) in ModMeshContainers())
        {
            var drain = TimeSpan.Parse(Env(container, "Drain__Delay") ?? ConfigValue("Drain__Delay") ?? "00:00:05", System.Globalization.CultureInfo.InvariantCulture);
            var shutdown = TimeSpan.FromSeconds(30); // HostOptions.ShutdownTimeout default: in-flight requests
            Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds >= (drain + shutdown).TotalSeconds,
                $"{deployment.Metadata.Name}: grace {deployment.Spec.Template.Spec.TerminationGracePeriodSeconds} s < drain {drain} + shutdown {shutdown}");
        }
    }

    [Fact]
    public void Gateway_DiscoversCacheNodesThroughTheirHeadlessService()
    {
        var gateway = Single("modmesh-gateway");
        var container = gateway.Spec.Template.Spec.Containers.Single();
        Assert.Equal("Dns", Env(container, "Gateway__Discovery__Mode"));

        var nodes = Single("modmesh-cachenode");
        var service = Objects.Value.OfType<V1Service>().Single(s => s.Metadata.Name == Env(container, "Gateway__Discovery__Dns__Name")!.Split('.')[0]);
        Assert.Equal($"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc.cluster.local", Env(container, "Gateway__Discovery__Dns__Name"));
        Assert.Equal("None", service.Spec.ClusterIP);
        Assert.Equal(int.Parse(Env(container, "Gateway__Discovery__Dns__Port")!, System.Globalization.CultureInfo.InvariantCulture), service.Spec.Ports.Single().Port);
        Assert.All(service.Spec.Selector, kv => Assert.Equal(kv.Value, nodes.Spec.Template.Metadata.Labels[kv.Key]));
    }

    [Fact]
    public void Services_SelectPodsThatExist()
    {
        foreach (var service in Objects.Value.OfType<V1Service>())
        {
            Assert.Contains(Deployments(), d => service.Spec.Selector.All(kv => d.Spec.Template.Metadata.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
        }
    }

    [Fact]
    public void ClusterServices_TakeConnectionStringsFromTheSecret()
    {
        foreach (var name in new[] { "modmesh-cachenode", "modmesh-fetcher" })
        {
            var container = Single(name).Spec.Template.Spec.Containers.Single();
            AssertFromSecret(container, "ConnectionStrings__blobs", "modmesh-connections", "blobs");

            // Redis: its address from modmesh-connections, its password from modmesh-redis (the one redis-server
            // requires), joined by Kubernetes' $(VAR) expansion, which sees only variables defined before.
            var redis = container.Env.Single(e => e.Name == "ConnectionStrings__redis");
            Assert.Equal("$(REDIS_ENDPOINT),password=$(REDIS_PASSWORD)", redis.Value);
            var order = container.Env.Select(e => e.Name).ToList();
            Assert.True(order.IndexOf("REDIS_ENDPOINT") is >= 0 and var a && a < order.IndexOf("ConnectionStrings__redis"), $"{name}: REDIS_ENDPOINT must come first");
            Assert.True(order.IndexOf("REDIS_PASSWORD") is >= 0 and var b && b < order.IndexOf("ConnectionStrings__redis"), $"{name}: REDIS_PASSWORD must come first");
            AssertFromSecret(container, "REDIS_ENDPOINT", "modmesh-connections", "redis");
            AssertFromSecret(container, "REDIS_PASSWORD", "modmesh-redis", "password");
            Assert.DoesNotContain("password", Secret("modmesh-connections").StringData["redis"], StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Redis_RequiresThePasswordFromTheSecretTheServicesUse()
    {
        var container = Single("modmesh-redis").Spec.Template.Spec.Containers.Single();

        int at = container.Args.IndexOf("--requirepass");
        Assert.True(at >= 0, $"redis-server runs without --requirepass: {string.Join(' ', container.Args)}");
        Assert.Equal("$(REDIS_PASSWORD)", container.Args[at + 1]);
        AssertFromSecret(container, "REDIS_PASSWORD", "modmesh-redis", "password");
        Assert.Matches("^[A-Za-z0-9]+$", Secret("modmesh-redis").StringData["password"]); // safe inside a connection string
    }

    [Fact]
    public void ClusterServices_TakeTheJobSigningKeyFromItsSecret()
    {
        foreach (var name in new[] { "modmesh-cachenode", "modmesh-fetcher" })
        {
            AssertFromSecret(Single(name).Spec.Template.Spec.Containers.Single(), "ModMesh__Coordination__JobSigningKey", "modmesh-job-signing", "key");
        }

        // The shipped value is a placeholder that the services refuse: nobody runs with a key everyone knows.
        var options = new RedisCoordinationOptions { JobSigningKey = Secret("modmesh-job-signing").StringData["key"] };
        var error = Assert.Throws<ArgumentException>(() => FillJobSigner.FromBase64(options.JobSigningKey));
        Assert.Contains("base64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisNetworkPolicy_AdmitsOnlyCacheNodesAndFetchersOnTheRedisPort()
    {
        var redis = Single("modmesh-redis");
        var policy = Assert.Single(Objects.Value.OfType<V1NetworkPolicy>(), p => p.Spec.PodSelector.MatchLabels is { Count: > 0 } && Matches(p.Spec.PodSelector, redis.Spec.Template.Metadata.Labels));
        Assert.True(Matches(policy.Spec.PodSelector, redis.Spec.Template.Metadata.Labels), "the policy does not select the Redis pods");
        Assert.Contains("Ingress", policy.Spec.PolicyTypes);

        var rule = Assert.Single(policy.Spec.Ingress);
        Assert.All(rule.FromProperty, peer =>
        {
            Assert.Null(peer.NamespaceSelector);
            Assert.Null(peer.IpBlock);
            Assert.NotNull(peer.PodSelector);
        });
        var admitted = Deployments()
            .Where(d => rule.FromProperty.Any(peer => Matches(peer.PodSelector, d.Spec.Template.Metadata.Labels)))
            .Select(d => d.Metadata.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(["modmesh-cachenode", "modmesh-fetcher"], admitted);
        var port = Assert.Single(rule.Ports);
        Assert.Equal("TCP", port.Protocol);
        Assert.Equal(redis.Spec.Template.Spec.Containers.Single().Ports.Single(p => p.Name == "redis").ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), port.Port.Value);
    }

    [Fact]
    public async Task Kustomize_RendersTheSecretsAndTheNetworkPolicyIntoTheNamespace()
    {
        var rendered = await RenderedManifests.ObjectsAsync();

        Assert.Contains(rendered, o => o is V1NetworkPolicy { Metadata: { Name: "modmesh-redis", NamespaceProperty: "modmesh" } });
        Assert.Contains(rendered, o => o is V1Secret { Metadata: { Name: "modmesh-redis", NamespaceProperty: "modmesh" } });
        Assert.Contains(rendered, o => o is V1Secret { Metadata: { Name: "modmesh-job-signing", NamespaceProperty: "modmesh" } });
        var redis = rendered.OfType<V1Deployment>().Single(d => d.Metadata.Name == "modmesh-redis").Spec.Template.Spec.Containers.Single();
        Assert.Contains("--requirepass", redis.Args);
    }

    [Fact]
    public void EveryService_TakesTheInternalKeyFromItsSecret_AndThePlaceholderIsRefused()
    {
        foreach (var name in new[] { "modmesh-gateway", "modmesh-cachenode", "modmesh-fetcher" })
        {
            AssertFromSecret(Single(name).Spec.Template.Spec.Containers.Single(), "ModMesh__InternalKey", "modmesh-internal-key", "key");
        }

        var placeholder = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [ModMesh.ServiceDefaults.Internal.InternalCalls.ConfigurationKey] = Secret("modmesh-internal-key").StringData["key"] })
            .Build();
        Assert.Throws<InvalidOperationException>(() => { _ = ModMesh.ServiceDefaults.Internal.InternalCalls.Key(placeholder); });
    }

    [Fact]
    public void Gateway_ReadsTokensAndRulesFromTheMountedSecretAndConfigMap_AndTheRulesAreValid()
    {
        var pod = Single("modmesh-gateway").Spec.Template.Spec;
        var container = pod.Containers.Single();
        foreach (var (setting, volumeKind, source, key) in new[] { ("Gateway__Access__TokensFile", "secret", "modmesh-tokens", "tokens"), ("Gateway__Access__RulesFile", "configMap", "modmesh-access", "rules") })
        {
            var file = Env(container, setting);
            Assert.False(string.IsNullOrEmpty(file), $"{setting} is not set");
            var mount = container.VolumeMounts.Single(m => file!.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
            Assert.Equal(key, file![(mount.MountPath.Length + 1)..]);
            var volume = pod.Volumes.Single(v => v.Name == mount.Name);
            if (volumeKind == "secret")
            {
                Assert.Equal(source, volume.Secret?.SecretName);
                Assert.True(Secret(source).StringData.ContainsKey(key));
            }
            else
            {
                Assert.Equal(source, volume.ConfigMap?.Name);
                var rules = Objects.Value.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == source).Data[key];
                Assert.Empty(ModMesh.Access.AccessRules.Check(rules));
            }
        }

        Assert.Equal(("modmesh-config", "ModMesh__Private"), (container.Env.Single(e => e.Name == "Gateway__Access__Private").ValueFrom.ConfigMapKeyRef.Name, container.Env.Single(e => e.Name == "Gateway__Access__Private").ValueFrom.ConfigMapKeyRef.Key));
    }

    [Fact]
    public void EverySettingInTheManifests_IsOneTheServicesRead()
    {
        var names = Objects.Value.OfType<V1ConfigMap>().SelectMany(c => c.Data.Keys)
            .Concat(Deployments().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env ?? []).Select(e => e.Name))
            .Where(n => n.Contains("__", StringComparison.Ordinal) || n == "ASPNETCORE_URLS")
            .Distinct()
            .ToArray();

        Assert.NotEmpty(names);
        var unknown = names.Where(n => !IsKnownSetting(n.Replace("__", ":", StringComparison.Ordinal))).ToArray();
        Assert.True(unknown.Length == 0, $"settings no service reads: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void IsKnownSetting_Typo_IsCaught()
    {
        Assert.True(IsKnownSetting("ModMesh:Fill:WaitTimeout"));
        Assert.True(IsKnownSetting("Gateway:Discovery:Dns:Name"));
        Assert.False(IsKnownSetting("ModMesh:Fill:WaitTimout"));
        Assert.False(IsKnownSetting("Gateway:Discovery:Dns:Nmae"));
    }

    private static bool IsKnownSetting(string key)
    {
        if (RawKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var (section, type) in Sections)
        {
            if (key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            {
                return HasPath(type, key[(section.Length + 1)..].Split(':'));
            }
        }

        return false;
    }

    private static bool HasPath(Type type, string[] path)
    {
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || property.SetMethod is null && path.Length == 1)
        {
            return false;
        }

        return path.Length == 1 || HasPath(property.PropertyType, path[1..]);
    }

    private static V1Secret Secret(string name) => Objects.Value.OfType<V1Secret>().Single(s => s.Metadata.Name == name);

    private static void AssertFromSecret(V1Container container, string variable, string secret, string key)
    {
        var reference = container.Env.Single(e => e.Name == variable).ValueFrom?.SecretKeyRef;
        Assert.True(reference is not null, $"{container.Name}: {variable} does not come from a Secret");
        Assert.Equal((secret, key), (reference!.Name, reference.Key));
        Assert.True(Secret(secret).StringData.ContainsKey(key), $"the Secret {secret} has no key {key}");
    }

    private static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels) =>
        selector.MatchExpressions is null or { Count: 0 }
        && selector.MatchLabels is { Count: > 0 }
        && selector.MatchLabels.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static IEnumerable<V1Deployment> Deployments() => Objects.Value.OfType<V1Deployment>();

    private static V1Deployment Single(string name) => Deployments().Single(d => d.Metadata.Name == name);

    private static IEnumerable<(V1Deployment Deployment, V1Container Container)> ModMeshContainers() =>
        Deployments().Where(d => ServiceNames.Contains(d.Metadata.Name)).Select(d => (d, d.Spec.Template.Spec.Containers.Single()));

    private static string? Env(V1Container container, string name) => container.Env?.FirstOrDefault(e => e.Name == name)?.Value;

    private static string? ConfigValue(string name) =>
        Objects.Value.OfType<V1ConfigMap>().Select(c => c.Data.TryGetValue(name, out var v) ? v : null).FirstOrDefault(v => v is not null);

    private static IReadOnlyList<object> LoadAll() =>
        Directory.GetFiles(Folder, "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f)))
            .ToList();
}
