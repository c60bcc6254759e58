using System.Reflection;
using k8s;
using k8s.Models;
using ModMesh.CacheNode.Queries;
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
    private static readonly string Folder = Path.Combine(RepositoryRoot(), "deploy", "kubernetes");

    // Configuration sections the services bind, and the options type behind each.
    private static readonly (string Section, Type Options)[] Sections =
    [
        ("ModMesh:Fill", typeof(FillOptions)),
        ("ModMesh:Cache", typeof(QueryCacheOptions)),
        ("ModMesh:LocalTier", typeof(LocalTierOptions)),
        ("ModMesh:Fetcher", typeof(FillJobConsumerOptions)),
        ("ModMesh", typeof(UpstreamOptions)),
        ("Gateway:Discovery", typeof(DiscoveryOptions)),
        ("Gateway", typeof(GatewayOptions)),
        ("Drain", typeof(DrainOptions)),
    ];

    // Keys read directly, not through an options type.
    private static readonly string[] RawKeys = ["ModMesh:Storage:Path", "ConnectionStrings:redis", "ConnectionStrings:blobs", "ASPNETCORE_URLS"];

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

        Assert.Equal(4, Deployments().Count());
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
        var secret = Objects.Value.OfType<V1Secret>().Single();
        foreach (var name in new[] { "modmesh-cachenode", "modmesh-fetcher" })
        {
            var container = Single(name).Spec.Template.Spec.Containers.Single();
            foreach (var key in new[] { "redis", "blobs" })
            {
                var reference = container.Env.Single(e => e.Name == $"ConnectionStrings__{key}").ValueFrom.SecretKeyRef;
                Assert.Equal(secret.Metadata.Name, reference.Name);
                Assert.True(secret.StringData.ContainsKey(reference.Key));
            }
        }
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

    private static IEnumerable<V1Deployment> Deployments() => Objects.Value.OfType<V1Deployment>();

    private static V1Deployment Single(string name) => Deployments().Single(d => d.Metadata.Name == name);

    private static IEnumerable<(V1Deployment Deployment, V1Container Container)> ModMeshContainers() =>
        Deployments().Where(d => d.Metadata.Name != "modmesh-redis").Select(d => (d, d.Spec.Template.Spec.Containers.Single()));

    private static string? Env(V1Container container, string name) => container.Env?.FirstOrDefault(e => e.Name == name)?.Value;

    private static string? ConfigValue(string name) =>
        Objects.Value.OfType<V1ConfigMap>().Select(c => c.Data.TryGetValue(name, out var v) ? v : null).FirstOrDefault(v => v is not null);

    private static IReadOnlyList<object> LoadAll() =>
        Directory.GetFiles(Folder, "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f)))
            .ToList();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModMesh.sln not found above the test binaries");
    }
}
