using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// The go client needs the go.mod of many versions whose zips it never downloads: minimal version selection reads the
/// requirement graph, and only the modules that provide imported packages are unpacked. An upstream seeded from a go
/// module cache (its cache/download tree) often holds just .info and .mod for those versions. ModMesh must answer their
/// go.mod without asking for their zip (which would be 404 and fail the build).
/// </summary>
/// <remarks>
/// The graph: the main module (go 1.19, so its own graph is pruned) imports <c>example.com/a</c>, which imports
/// <c>example.com/b</c>. a@v1.0.0 declares go 1.16: an unpruned module, so go loads its whole transitive requirement
/// graph, b's requirement on a@v0.9.0 and c@v1.1.0's on d@v1.0.0 included. a@v0.9.0, c@v1.1.0 and d@v1.0.0 are
/// needed for their go.mod only, and the upstream has no zip for them.
/// </remarks>
public sealed class GraphPruningTests(ITestOutputHelper output)
{
    private const string AppImport = "example.com/a";

    /// <summary>Module versions whose zips the build needs: they provide the imported packages.</summary>
    private static readonly UpstreamVersion[] Built =
    [
        new("example.com/a", "v1.0.0", "go 1.16\n\nrequire (\n\texample.com/b v1.0.0\n\texample.com/c v1.1.0\n)\n", Imports: "example.com/b"),
        new("example.com/b", "v1.0.0", "go 1.17\n\nrequire example.com/a v0.9.0\n"),
    ];

    /// <summary>Module versions go needs only for minimal version selection: .info and .mod upstream, no zip.</summary>
    private static readonly UpstreamVersion[] GraphOnly =
    [
        new("example.com/a", "v0.9.0", "go 1.17\n"),
        new("example.com/c", "v1.1.0", "go 1.17\n\nrequire example.com/d v1.0.0\n"),
        new("example.com/d", "v1.0.0", "go 1.17\n"),
    ];

    [Fact]
    public async Task GoBuild_GraphOnlyVersionsWithoutUpstreamZips_SucceedsWithoutAskingForTheirZips()
    {
        var tree = TempDirectory.CreateUnique("pruning-tree");
        // One build cache for both builds (the standard library is compiled once); each build has a fresh module cache.
        var goCache = TempDirectory.CreateUnique("pruning-gocache");
        try
        {
            WriteProxyTree(tree);
            await using var upstream = await StaticGoProxyServer.StartAsync(tree);

            // Control: go straight against the upstream. It proves the graph is the pruning case: go asks for the
            // graph-only go.mods and never for their zips. If a go release changes that, this fails here, not below.
            var direct = await BuildAppAsync(upstream.Url, goCache);
            Assert.True(direct.Succeeded, direct.ToString());
            AssertGraphOnlyVersionsFetchedWithoutZips(upstream, "go directly against the upstream");
            output.WriteLine($"direct:       go build in {direct.Elapsed.TotalSeconds:F2} s; upstream requests: {Describe(upstream)}");
            upstream.ResetCounts();

            await using var modMesh = await ModMeshTopology.StartAsync(upstream);

            var viaModMesh = await BuildAppAsync(modMesh.GoProxy, goCache);

            Assert.True(viaModMesh.Succeeded, $"{viaModMesh}{Environment.NewLine}{modMesh.Diagnostics()}");
            AssertGraphOnlyVersionsFetchedWithoutZips(upstream, "ModMesh filling from the upstream");
            output.WriteLine($"via ModMesh:  go build in {viaModMesh.Elapsed.TotalSeconds:F2} s; upstream requests: {Describe(upstream)}");

            // Contrast: a whole-version fill would have needed these zips, and the upstream has none. Asked for directly,
            // ModMesh answers the zip with a clean 404 and still serves the go.mod.
            using var http = new HttpClient { BaseAddress = new Uri(modMesh.GoProxy + "/"), Timeout = TimeSpan.FromSeconds(30) };
            foreach (var version in GraphOnly)
            {
                using var zip = await http.GetAsync(version.FilePath("zip"));
                using var mod = await http.GetAsync(version.FilePath("mod"));

                Assert.True(zip.StatusCode == HttpStatusCode.NotFound, $"{version} zip: {(int)zip.StatusCode} {await zip.Content.ReadAsStringAsync()}{Environment.NewLine}{modMesh.Diagnostics()}");
                Assert.True(mod.StatusCode == HttpStatusCode.OK, $"{version} mod: {(int)mod.StatusCode}{Environment.NewLine}{modMesh.Diagnostics()}");
                Assert.Equal(version.GoMod, await mod.Content.ReadAsStringAsync());
                Assert.True(upstream.Count(version.Path, version.Version, "zip") >= 1, $"{version}: ModMesh answered 404 without asking the upstream");
            }

            Assert.False(modMesh.Node.HasExited, modMesh.Diagnostics());
        }
        finally
        {
            TempDirectory.Delete(tree);
            TempDirectory.Delete(goCache);
        }
    }

    private static void AssertGraphOnlyVersionsFetchedWithoutZips(StaticGoProxyServer upstream, string context)
    {
        var requests = $"{context}; upstream requests: {Describe(upstream)}";
        foreach (var version in Built)
        {
            Assert.True(upstream.Count(version.Path, version.Version, "zip") >= 1, $"{version}: zip never requested ({requests})");
        }

        foreach (var version in GraphOnly)
        {
            // Asked for its go.mod (so the assertion below is not vacuous)…
            Assert.True(upstream.Count(version.Path, version.Version, "mod") >= 1, $"{version}: go.mod never requested ({requests})");
            // …and never for its zip.
            Assert.True(upstream.Count(version.Path, version.Version, "zip") == 0, $"{version}: zip requested ({requests})");
        }
    }

    private static string Describe(StaticGoProxyServer upstream) =>
        string.Join(", ", upstream.Requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value == 1 ? r.Key : $"{r.Key} ×{r.Value}"));

    /// <summary><c>go build ./...</c> of a fresh copy of the main module, with a fresh module cache.</summary>
    private static async Task<CommandResult> BuildAppAsync(string goProxy, string goCache)
    {
        using var go = GoSandbox.Create(new GoSandboxOptions
        {
            GoProxy = goProxy,
            Timeout = TimeSpan.FromSeconds(40),
            Environment = new Dictionary<string, string> { ["GOCACHE"] = goCache },
        });
        var app = go.CreateModule("example.com/app", $"\nrequire {AppImport} v1.0.0\n", "app");
        await File.WriteAllTextAsync(Path.Combine(app, "main.go"), $"package main\n\nimport \"{AppImport}\"\n\nfunc main() {{ println(a.Version, a.B) }}\n");
        return await go.GoAsync(["build", "./..."], app);
    }

    /// <summary>Writes the GOPROXY tree the way a go module cache holds it: .info and .mod for every version, zips only where built.</summary>
    private static void WriteProxyTree(string root)
    {
        foreach (var version in Built.Concat(GraphOnly))
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, StaticGoProxyServer.EscapePath(version.Path), "@v")).FullName;
            var file = Path.Combine(dir, StaticGoProxyServer.EscapePath(version.Version));
            File.WriteAllText(file + ".info", JsonSerializer.Serialize(new { version.Version, Time = "2023-01-02T12:00:00Z" }));
            File.WriteAllText(file + ".mod", version.GoMod);
            if (Built.Contains(version))
            {
                File.WriteAllBytes(file + ".zip", version.Zip());
            }
        }
    }

    private sealed record UpstreamVersion(string Path, string Version, string Requirements, string? Imports = null)
    {
        public string GoMod => $"module {Path}\n\n{Requirements}";

        public string FilePath(string kind) => $"{StaticGoProxyServer.EscapePath(Path)}/@v/{StaticGoProxyServer.EscapePath(Version)}.{kind}";

        /// <summary>go.mod and lib.go (<c>const Version</c>), plus dep.go using the imported package's Version as <c>B</c>.</summary>
        public byte[] Zip()
        {
            var zip = ScriptedVersion.BuildZip(Path, Version, Encoding.UTF8.GetBytes(GoMod));
            if (Imports is null)
            {
                return zip;
            }

            using var buffer = new MemoryStream();
            buffer.Write(zip);
            using (var archive = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
            {
                var package = Path[(Path.LastIndexOf('/') + 1)..];
                var imported = Imports[(Imports.LastIndexOf('/') + 1)..];
                using var entry = new StreamWriter(archive.CreateEntry($"{Path}@{Version}/dep.go").Open());
                entry.Write($"package {package}\n\nimport \"{Imports}\"\n\n// B is the imported module's version.\nconst B = {imported}.Version\n");
            }

            return buffer.ToArray();
        }

        public override string ToString() => $"{Path}@{Version}";
    }
}
