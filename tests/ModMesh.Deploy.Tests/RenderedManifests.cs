using System.Diagnostics;
using k8s;

namespace ModMesh.Deploy.Tests;

/// <summary>The repository's deploy folder and the kustomization under deploy/kubernetes rendered by kubectl (offline).</summary>
internal static class RenderedManifests
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string KubernetesFolder { get; } = Path.Combine(RepositoryRoot, "deploy", "kubernetes");

    private static readonly Lazy<Task<string>> Rendered = new(() => RenderAsync(KubernetesFolder));

    /// <summary>The output of <c>kubectl kustomize deploy/kubernetes</c> (rendered once per test run).</summary>
    public static Task<string> TextAsync() => Rendered.Value;

    /// <summary>The rendered objects, read strictly: a field the typed models do not know fails the read.</summary>
    public static async Task<IReadOnlyList<object>> ObjectsAsync() => KubernetesYaml.LoadAllFromString(await TextAsync(), strict: true);

    /// <summary>Runs <c>kubectl kustomize</c> on <paramref name="folder"/>; throws with its error output when it fails.</summary>
    public static async Task<string> RenderAsync(string folder)
    {
        var psi = new ProcessStartInfo("kubectl", ["kustomize", folder]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var kubectl = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start (it comes with the machine image)");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = kubectl.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = kubectl.StandardError.ReadToEndAsync(timeout.Token);
        await kubectl.WaitForExitAsync(timeout.Token);
        return kubectl.ExitCode == 0 ? await stdout : throw new InvalidOperationException($"kubectl kustomize {folder} failed: {await stderr}");
    }

    private static string FindRepositoryRoot()
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
