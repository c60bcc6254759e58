using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace ModMesh.Deploy.Tests;

/// <summary>
/// deploy/observability/prometheus.yml against the manifests: it scrapes what the pods announce, with the internal
/// key, and labels them with the job names the dashboard and the alerts select. (That the metrics themselves exist is
/// tests/ModMesh.Cluster.Tests/Observability, against a running cluster.)
/// </summary>
public sealed partial class PrometheusConfigTests
{
    private static readonly string Folder = Path.Combine(RenderedManifests.RepositoryRoot, "deploy", "observability");

    [Fact]
    public void ScrapeConfig_PresentsTheInternalKeyFromAFile_AndLoadsTheAlertRules()
    {
        var config = Load("prometheus.yml");
        var job = (YamlMappingNode)((YamlSequenceNode)config["scrape_configs"]).Single();
        var authorization = (YamlMappingNode)job["authorization"];

        Assert.Equal("Bearer", authorization["type"].ToString());
        Assert.StartsWith("/", authorization["credentials_file"].ToString(), StringComparison.Ordinal);
        Assert.Equal("/metrics", job["metrics_path"].ToString());
        var rules = ((YamlSequenceNode)config["rule_files"]).Select(r => r.ToString()).ToArray();
        Assert.All(rules, r => Assert.True(File.Exists(Path.Combine(Folder, r)), $"rule file {r} is not in deploy/observability"));
        Assert.Contains("alerts.yaml", rules);
    }

    [Fact]
    public async Task ScrapeConfig_KeepsTheAnnotatedPods_AndNamesJobsAfterTheirLabel()
    {
        var job = (YamlMappingNode)((YamlSequenceNode)Load("prometheus.yml")["scrape_configs"]).Single();
        var relabel = ((YamlSequenceNode)job["relabel_configs"]).Cast<YamlMappingNode>().ToArray();
        var keep = relabel.Single(r => r.Children.TryGetValue("action", out var a) && a.ToString() == "keep");
        Assert.Equal("__meta_kubernetes_pod_annotation_prometheus_io_scrape", ((YamlSequenceNode)keep["source_labels"]).Single().ToString());
        var jobLabel = relabel.Single(r => r.Children.TryGetValue("target_label", out var t) && t.ToString() == "job");
        Assert.Equal("__meta_kubernetes_pod_label_app_kubernetes_io_name", ((YamlSequenceNode)jobLabel["source_labels"]).Single().ToString());

        // The pods that announce themselves are the three services, each with its app.kubernetes.io/name.
        var announced = (await RenderedManifests.ObjectsAsync()).OfType<V1Deployment>()
            .Where(d => d.Spec.Template.Metadata.Annotations?.TryGetValue("prometheus.io/scrape", out var v) == true && v == "true")
            .Select(d => d.Spec.Template.Metadata.Labels["app.kubernetes.io/name"])
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(["modmesh-cachenode", "modmesh-fetcher", "modmesh-gateway"], announced);

        // Every job the dashboard and the alerts select matches one of them.
        var selected = JobMatcher().Matches(File.ReadAllText(Path.Combine(Folder, "alerts.yaml")) + File.ReadAllText(Path.Combine(Folder, "dashboard.json")))
            .Select(m => m.Groups[2].Value)
            .Distinct()
            .ToArray();
        Assert.NotEmpty(selected);
        foreach (var pattern in selected)
        {
            foreach (var alternative in pattern.Split('|'))
            {
                Assert.True(announced.Any(name => Regex.IsMatch(name, $"^(?:{alternative})$")), $"job selector \"{alternative}\" matches no scraped service");
            }
        }
    }

    [Fact]
    public async Task ScrapeConfig_PassesPromtool_WithStaticTargetsInPlaceOfKubernetesDiscovery()
    {
        // Debian's promtool is built without Kubernetes discovery: swap that block for a static target and check the rest.
        var text = File.ReadAllText(Path.Combine(Folder, "prometheus.yml"));
        var swapped = KubernetesDiscovery().Replace(text, "    static_configs:\n      - targets: [\"127.0.0.1:8080\"]\n");
        Assert.NotEqual(text, swapped);
        var directory = Directory.CreateTempSubdirectory("modmesh-promtool-");
        try
        {
            File.Copy(Path.Combine(Folder, "alerts.yaml"), Path.Combine(directory.FullName, "alerts.yaml"));
            var key = Path.Combine(directory.FullName, "key");
            File.WriteAllText(key, "not-a-real-key");
            File.WriteAllText(Path.Combine(directory.FullName, "prometheus.yml"), swapped.Replace("/etc/prometheus/modmesh/key", key, StringComparison.Ordinal));

            var psi = new ProcessStartInfo("promtool", ["check", "config", Path.Combine(directory.FullName, "prometheus.yml")]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var promtool = Process.Start(psi) ?? throw new InvalidOperationException("promtool did not start (apt-get install -y prometheus; scripts/test.sh does)");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stdout = promtool.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = promtool.StandardError.ReadToEndAsync(timeout.Token);
            await promtool.WaitForExitAsync(timeout.Token);
            Assert.True(promtool.ExitCode == 0, await stdout + await stderr);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static YamlMappingNode Load(string name)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, name))));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    [GeneratedRegex(@"\bjob(=~|=)\\?""([^""\\]+)\\?""")]
    private static partial Regex JobMatcher();

    [GeneratedRegex(@"    kubernetes_sd_configs:\n(?:      .*\n|        .*\n)+")]
    private static partial Regex KubernetesDiscovery();
}
