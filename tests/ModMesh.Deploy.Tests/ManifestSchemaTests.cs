using System.Reflection;
using k8s;
using k8s.Models;

namespace ModMesh.Deploy.Tests;

/// <summary>
/// A schema check of every rendered object, offline. The Kubernetes client's models are generated from the Kubernetes
/// OpenAPI schema: reading each object strictly into them fails on an unknown kind, an unknown or misspelled field and
/// a value of the wrong type. The models do not carry the schema's "required" lists, so the ones of the types these
/// manifests use are copied below from the Kubernetes 1.32 OpenAPI v2 document (api/openapi-spec/swagger.json in
/// kubernetes/kubernetes) and checked over every object's graph.
/// </summary>
public sealed class ManifestSchemaTests
{
    [Fact]
    public async Task EveryRenderedObject_MatchesItsKubernetesSchema()
    {
        var text = await RenderedManifests.TextAsync();
        var documents = text.Split("\n---\n").Where(d => !string.IsNullOrWhiteSpace(d)).ToArray();

        foreach (var document in documents)
        {
            var problem = SchemaProblem(document);
            Assert.True(problem is null, $"{problem}{Environment.NewLine}{document}");
        }

        Assert.Equal(documents.Length, (await RenderedManifests.ObjectsAsync()).Count);
    }

    [Theory]
    [InlineData("apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec:\n  replicas: 1\n  selector: { matchLabels: { a: b } }\n  template:\n    metadata: { labels: { a: b } }\n    spec:\n      containers:\n        - name: c\n          image: i:1\n          resources:\n            requets: { cpu: 1 }\n", "requets")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: x }\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }\n  minReplica: 2\n  maxReplicas: 3\n", "minReplica")]
    [InlineData("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: x }\nspec:\n  podSelector: {}\n  ingres:\n    - ports: [{ port: 80 }]\n", "ingres")]
    public void SchemaProblem_MisspelledField_IsCaught(string document, string field)
    {
        var problem = SchemaProblem(document);

        Assert.NotNull(problem);
        Assert.Contains(field, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaProblem_MissingRequiredField_IsCaught()
    {
        // An HPA without maxReplicas, a container without a name (both required by the schema).
        var hpa = SchemaProblem("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: x }\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }\n  minReplicas: 2\n");
        var container = SchemaProblem("apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec:\n  selector: { matchLabels: { a: b } }\n  template:\n    metadata: { labels: { a: b } }\n    spec:\n      containers:\n        - image: i:1\n");

        Assert.Contains("Spec.MaxReplicas", hpa, StringComparison.Ordinal);
        Assert.Contains("Containers[0].Name", container, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaProblem_UnknownKind_IsCaught()
    {
        Assert.NotNull(SchemaProblem("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: x }\n"));
    }

    [Fact]
    public void SchemaProblem_ValidObject_IsNone()
    {
        Assert.Null(SchemaProblem("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: x }\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }\n  minReplicas: 2\n  maxReplicas: 3\n"));
    }

    /// <summary>Why <paramref name="document"/> (one YAML object) does not match its schema, or null when it does.</summary>
    private static string? SchemaProblem(string document)
    {
        object item;
        try
        {
            item = KubernetesYaml.LoadAllFromString(document, strict: true).Single();
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message} {ex.InnerException?.Message}";
        }

        if (item is not IKubernetesObject<V1ObjectMeta> { Metadata.Name: { Length: > 0 } } typed)
        {
            return $"{item.GetType().Name} has no metadata.name";
        }

        var missing = MissingRequired(item, $"{typed.Kind}/{typed.Metadata.Name}").ToArray();
        return missing.Length == 0 ? null : "missing required fields: " + string.Join(", ", missing);
    }

    // "required" of the OpenAPI definitions (Kubernetes 1.32) of the types these manifests use, by model type.
    private static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(V1DeploymentSpec)] = ["Selector", "Template"],
        [typeof(V1PodSpec)] = ["Containers"],
        [typeof(V1Container)] = ["Name"],
        [typeof(V1ContainerPort)] = ["ContainerPort"],
        [typeof(V1EnvVar)] = ["Name"],
        [typeof(V1EnvFromSource)] = [],
        [typeof(V1SecretKeySelector)] = ["Key"],
        [typeof(V1ConfigMapKeySelector)] = ["Key"],
        [typeof(V1Volume)] = ["Name"],
        [typeof(V1VolumeMount)] = ["Name", "MountPath"],
        [typeof(V1KeyToPath)] = ["Key", "Path"],
        [typeof(V1HTTPGetAction)] = ["Port"],
        [typeof(V1TCPSocketAction)] = ["Port"],
        [typeof(V1ServicePort)] = ["Port"],
        [typeof(V1LabelSelectorRequirement)] = ["Key", "OperatorProperty"],
        [typeof(V1IPBlock)] = ["Cidr"],
        [typeof(V2HorizontalPodAutoscalerSpec)] = ["ScaleTargetRef", "MaxReplicas"],
        [typeof(V2CrossVersionObjectReference)] = ["Kind", "Name"],
        [typeof(V2MetricSpec)] = ["Type"],
        [typeof(V2ResourceMetricSource)] = ["Name", "Target"],
        [typeof(V2MetricTarget)] = ["Type"],
        [typeof(V2HPAScalingPolicy)] = ["Type", "Value", "PeriodSeconds"],
    };

    private static IEnumerable<string> MissingRequired(object? value, string path)
    {
        if (value is null || value is string || value.GetType().IsValueType || value is IntOrString or ResourceQuantity)
        {
            yield break;
        }

        if (value is System.Collections.IDictionary dictionary)
        {
            foreach (System.Collections.DictionaryEntry entry in dictionary)
            {
                foreach (var missing in MissingRequired(entry.Value, $"{path}.{entry.Key}"))
                {
                    yield return missing;
                }
            }

            yield break;
        }

        if (value is System.Collections.IEnumerable list)
        {
            var i = 0;
            foreach (var element in list)
            {
                foreach (var missing in MissingRequired(element, $"{path}[{i++}]"))
                {
                    yield return missing;
                }
            }

            yield break;
        }

        if (Required.TryGetValue(value.GetType(), out var required))
        {
            foreach (var name in required)
            {
                var property = value.GetType().GetProperty(name) ?? throw new InvalidOperationException($"{value.GetType().Name} has no property {name}");
                var found = property.GetValue(value);
                if (found is null || (property.PropertyType.IsValueType && found.Equals(Activator.CreateInstance(property.PropertyType))))
                {
                    yield return $"{path}.{name}";
                }
            }
        }

        if (value.GetType().Namespace != typeof(V1Pod).Namespace)
        {
            yield break;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            foreach (var missing in MissingRequired(property.GetValue(value), $"{path}.{property.Name}"))
            {
                yield return missing;
            }
        }
    }
}
