using k8s.Models;

namespace ModMesh.Deploy.Tests;

/// <summary>
/// The operations side of the rendered manifests: autoscalers, who may connect to whom (NetworkPolicies evaluated
/// like a CNI plugin would), and the OpenTelemetry collector the services export to.
/// </summary>
public sealed class OperationsManifestTests
{
    private const string Namespace = "modmesh";

    // Where the NetworkPolicies expect Prometheus (networkpolicy.yaml's header).
    private static readonly Peer Prometheus = new("monitoring", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "prometheus" });

    // A pod that is nothing in particular: another namespace's application.
    private static readonly Peer Stranger = new("default", new Dictionary<string, string> { ["app"] = "something-else" });

    [Theory]
    [InlineData("modmesh-cachenode", 3)]
    [InlineData("modmesh-gateway", 2)]
    public async Task Autoscaler_ScalesItsDeploymentOnCpu_AndScalesDownSlowly(string name, int minimum)
    {
        var objects = await RenderedManifests.ObjectsAsync();
        var hpa = Assert.Single(objects.OfType<V2HorizontalPodAutoscaler>(), h => h.Spec.ScaleTargetRef.Name == name);
        var deployment = objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == name);

        Assert.Equal(("apps/v1", "Deployment"), (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind));
        Assert.True(hpa.Spec.MinReplicas >= minimum, $"{name}: minReplicas {hpa.Spec.MinReplicas} < {minimum}");
        Assert.True(hpa.Spec.MaxReplicas > hpa.Spec.MinReplicas);
        var metric = Assert.Single(hpa.Spec.Metrics);
        Assert.Equal(("Resource", "cpu", "Utilization"), (metric.Type, metric.Resource.Name, metric.Resource.Target.Type));
        Assert.InRange(metric.Resource.Target.AverageUtilization ?? 0, 50, 90);
        Assert.True(hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds >= 300, $"{name}: scale-down stabilization under 5 minutes");

        // Utilization is relative to the request: every container needs one; and the HPA alone owns the count.
        Assert.All(deployment.Spec.Template.Spec.Containers, c => Assert.True(c.Resources.Requests.ContainsKey("cpu"), $"{c.Name} has no CPU request"));
        Assert.Null(deployment.Spec.Replicas);
    }

    [Fact]
    public async Task NetworkPolicies_DenyIngressByDefault()
    {
        var policies = (await RenderedManifests.ObjectsAsync()).OfType<V1NetworkPolicy>().ToArray();

        var deny = Assert.Single(policies, p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 } && p.Spec.PodSelector.MatchExpressions is null or { Count: 0 });
        Assert.Equal(["Ingress"], deny.Spec.PolicyTypes);
        Assert.True(deny.Spec.Ingress is null or { Count: 0 });
    }

    [Theory]
    // target, source ("stranger", "prometheus" or a Deployment's name), admitted
    [InlineData("modmesh-gateway", "stranger", true)]
    [InlineData("modmesh-gateway", "prometheus", true)]
    [InlineData("modmesh-cachenode", "modmesh-gateway", true)]
    [InlineData("modmesh-cachenode", "prometheus", true)]
    [InlineData("modmesh-cachenode", "stranger", false)]
    [InlineData("modmesh-cachenode", "modmesh-fetcher", false)]
    [InlineData("modmesh-fetcher", "prometheus", true)]
    [InlineData("modmesh-fetcher", "modmesh-gateway", false)]
    [InlineData("modmesh-fetcher", "modmesh-cachenode", false)]
    [InlineData("modmesh-fetcher", "stranger", false)]
    [InlineData("modmesh-redis", "modmesh-cachenode", true)]
    [InlineData("modmesh-redis", "modmesh-fetcher", true)]
    [InlineData("modmesh-redis", "modmesh-gateway", false)]
    [InlineData("modmesh-redis", "prometheus", false)]
    [InlineData("modmesh-redis", "stranger", false)]
    [InlineData("modmesh-otel-collector", "modmesh-gateway", true)]
    [InlineData("modmesh-otel-collector", "modmesh-cachenode", true)]
    [InlineData("modmesh-otel-collector", "modmesh-fetcher", true)]
    [InlineData("modmesh-otel-collector", "stranger", false)]
    public async Task NetworkPolicies_AdmitOnlyWhoNeedsToConnect(string target, string source, bool admitted)
    {
        var objects = await RenderedManifests.ObjectsAsync();
        var deployments = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name);
        var policies = objects.OfType<V1NetworkPolicy>().ToArray();
        var from = source switch
        {
            "stranger" => Stranger,
            "prometheus" => Prometheus,
            _ => new Peer(Namespace, deployments[source].Spec.Template.Metadata.Labels),
        };
        var pod = deployments[target].Spec.Template;

        // Every port the target's containers listen on except a health-only one: admitted on all of them or none.
        var ports = pod.Spec.Containers.SelectMany(c => c.Ports).Where(p => p.Name != "health").Select(p => p.ContainerPort).ToArray();
        Assert.NotEmpty(ports);
        foreach (var port in ports)
        {
            Assert.True(
                Admits(policies, pod.Metadata.Labels, from, port) == admitted,
                $"{source} -> {target}:{port} should be {(admitted ? "admitted" : "denied")}");
        }
    }

    [Fact]
    public async Task EveryService_ExportsOtlpToTheCollectorService()
    {
        var objects = await RenderedManifests.ObjectsAsync();
        var service = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "modmesh-otel-collector");
        var collector = objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "modmesh-otel-collector");
        Assert.All(service.Spec.Selector, kv => Assert.Equal(kv.Value, collector.Spec.Template.Metadata.Labels[kv.Key]));
        var grpc = service.Spec.Ports.Single(p => p.Name == "otlp-grpc");

        foreach (var name in new[] { "modmesh-gateway", "modmesh-cachenode", "modmesh-fetcher" })
        {
            var container = objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == name).Spec.Template.Spec.Containers.Single();
            var endpoint = new Uri(container.Env.Single(e => e.Name == "OTEL_EXPORTER_OTLP_ENDPOINT").Value);
            Assert.Equal($"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc.cluster.local", endpoint.Host);
            Assert.Equal(grpc.Port, endpoint.Port);
            Assert.Equal(name, container.Env.Single(e => e.Name == "OTEL_SERVICE_NAME").Value);
        }

        // The Service's target port is one the collector listens on.
        Assert.Contains(collector.Spec.Template.Spec.Containers.Single().Ports, p => p.Name == grpc.TargetPort.Value && p.ContainerPort == 4317);
    }

    [Fact]
    public async Task Collector_ReceivesOtlp_BatchesAndExportsEverySignal()
    {
        var objects = await RenderedManifests.ObjectsAsync();
        var pod = objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "modmesh-otel-collector").Spec.Template.Spec;
        var container = pod.Containers.Single();
        var configFile = container.Args.Single(a => a.StartsWith("--config=", StringComparison.Ordinal))["--config=".Length..];
        var mount = container.VolumeMounts.Single(m => configFile.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        var configMap = objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == pod.Volumes.Single(v => v.Name == mount.Name).ConfigMap.Name);
        var text = configMap.Data[configFile[(mount.MountPath.Length + 1)..]];

        var config = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(text);
        var pipelines = (Dictionary<object, object>)((Dictionary<object, object>)config["service"])["pipelines"];
        Assert.Equal(["logs", "metrics", "traces"], pipelines.Keys.Select(k => (string)k).Order(StringComparer.Ordinal));
        foreach (Dictionary<object, object> pipeline in pipelines.Values)
        {
            Assert.Equal(["otlp"], ((List<object>)pipeline["receivers"]).Cast<string>());
            Assert.Contains("batch", ((List<object>)pipeline["processors"]).Cast<string>());
            Assert.NotEmpty((List<object>)pipeline["exporters"]);
            foreach (var exporter in ((List<object>)pipeline["exporters"]).Cast<string>())
            {
                Assert.True(((Dictionary<object, object>)config["exporters"]).ContainsKey(exporter), $"exporter {exporter} is not defined");
            }
        }

        Assert.Contains("0.0.0.0:4317", text, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0:4318", text, StringComparison.Ordinal);
    }

    private sealed record Peer(string Namespace, IDictionary<string, string> Labels);

    /// <summary>
    /// NetworkPolicy semantics for ingress to a pod of <see cref="Namespace"/>: not selected by any Ingress policy
    /// means open; otherwise admitted when some rule of a selecting policy admits the peer and the port.
    /// </summary>
    private static bool Admits(IEnumerable<V1NetworkPolicy> policies, IDictionary<string, string> target, Peer source, int port)
    {
        var selecting = policies.Where(p => p.Spec.PolicyTypes.Contains("Ingress") && Matches(p.Spec.PodSelector, target)).ToArray();
        if (selecting.Length == 0)
        {
            return true;
        }

        return selecting.SelectMany(p => p.Spec.Ingress ?? []).Any(rule =>
            (rule.Ports is null or { Count: 0 } || rule.Ports.Any(p => p.Port is null || p.Port.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            && (rule.FromProperty is null or { Count: 0 } || rule.FromProperty.Any(peer => PeerMatches(peer, source))));
    }

    private static bool PeerMatches(V1NetworkPolicyPeer peer, Peer source)
    {
        if (peer.IpBlock is not null)
        {
            return false; // pods are not addressed by IP blocks here
        }

        var namespaceMatches = peer.NamespaceSelector is null
            ? source.Namespace == Namespace
            : Matches(peer.NamespaceSelector, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = source.Namespace });
        return namespaceMatches && (peer.PodSelector is null || Matches(peer.PodSelector, source.Labels));
    }

    private static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        Assert.True(selector.MatchExpressions is null or { Count: 0 }, "matchExpressions are not evaluated by this test");
        return selector.MatchLabels is null || selector.MatchLabels.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
