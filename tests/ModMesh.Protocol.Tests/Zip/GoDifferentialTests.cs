using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using Xunit.Abstractions;

namespace ModMesh.Protocol.Tests.Zip;

/// <summary>
/// ModMesh's <see cref="ModuleZip.Inspect"/> against the real go command (go 1.19): a few hundred seeded zips,
/// valid and hostile, served from a file:// GOPROXY tree and fetched with one `go mod download -json` run.
/// </summary>
public class GoDifferentialTests(ITestOutputHelper output)
{
    private const int ZipCount = 300;

    [Fact]
    public async Task Inspect_GeneratedZips_AgreesWithGoModDownload()
    {
        var stopwatch = Stopwatch.StartNew();
        var root = TempDirectory.CreateUnique("zipdiff");
        try
        {
            var generator = new ZipCaseGenerator(seed: 20261202);
            var cases = new List<(string Version, GeneratedZip Zip)>();
            for (var i = 0; i < ZipCount; i++)
            {
                // Every class at least a few times, then random ones.
                var kind = i < ZipCaseGenerator.Kinds.Count * 3 ? ZipCaseGenerator.Kinds[i % ZipCaseGenerator.Kinds.Count] : null;
                var version = $"v1.0.{i}";
                cases.Add((version, generator.Next(version, kind)));
            }

            var proxy = Path.Combine(root, "proxy");
            WriteProxyTree(proxy, cases);
            using var sandbox = GoSandbox.Create(new GoSandboxOptions { GoProxy = "file://" + proxy }, Path.Combine(root, "sandbox"));
            var result = await sandbox.GoAsync(["mod", "download", "-json", .. cases.Select(c => "example.com/m@" + c.Version)], timeout: TimeSpan.FromMinutes(5));
            Assert.False(result.TimedOut, result.ToString());
            var goResults = ParseDownloadJson(result.StandardOutput);
            output.WriteLine($"{sandbox.Tool.Version}: go mod download of {cases.Count} zips took {result.Elapsed.TotalSeconds:F1} s");

            var disagreements = new List<string>();
            var perKind = new SortedDictionary<string, (int Accepted, int Refused)>(StringComparer.Ordinal);
            foreach (var (version, zip) in cases)
            {
                Assert.True(goResults.TryGetValue(version, out var go), $"go printed nothing for {version}: {result}");
                var report = ModuleZip.Inspect(new MemoryStream(zip.Zip), "example.com/m", version);
                var goAccepts = go.Error is null;
                var counts = perKind.GetValueOrDefault(zip.Kind);
                perKind[zip.Kind] = report.IsValid ? (counts.Accepted + 1, counts.Refused) : (counts.Accepted, counts.Refused + 1);

                if (zip.StricterThanGo)
                {
                    // ModMesh refuses these on purpose (local name differing from the central directory's, symlinks,
                    // encryption flag); go 1.19's archive/zip ignores all three and accepts the zip.
                    if (report.IsValid || !goAccepts)
                    {
                        disagreements.Add($"{version} [{zip.Kind}] expected ModMesh to refuse and go to accept: ModMesh {report.Problem ?? "valid"}; go {go.Error ?? "ok"}");
                    }

                    continue;
                }

                if (report.IsValid != goAccepts)
                {
                    disagreements.Add($"{version} [{zip.Kind}] ModMesh: {report.Problem ?? "valid"}; go: {go.Error ?? "ok " + go.Sum}");
                }
                else if (goAccepts && report.Hash != go.Sum)
                {
                    disagreements.Add($"{version} [{zip.Kind}] hash {report.Hash} but go {go.Sum}");
                }
            }

            foreach (var (kind, (accepted, refused)) in perKind)
            {
                output.WriteLine($"{kind,-20} ModMesh accepted {accepted,3}, refused {refused,3}");
            }

            output.WriteLine($"total {stopwatch.Elapsed.TotalSeconds:F1} s");
            Assert.True(disagreements.Count == 0, string.Join(Environment.NewLine, disagreements));
            Assert.Contains(perKind, k => k.Key == "valid" && k.Value.Accepted > 0);
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    private static void WriteProxyTree(string proxy, List<(string Version, GeneratedZip Zip)> cases)
    {
        var dir = Directory.CreateDirectory(Path.Combine(proxy, "example.com", "m", "@v")).FullName;
        File.WriteAllText(Path.Combine(dir, "list"), string.Concat(cases.Select(c => c.Version + "\n")));
        foreach (var (version, zip) in cases)
        {
            File.WriteAllText(Path.Combine(dir, version + ".info"), $"{{\"Version\":\"{version}\",\"Time\":\"2024-01-01T00:00:00Z\"}}");
            File.WriteAllText(Path.Combine(dir, version + ".mod"), "module example.com/m\n\ngo 1.19\n");
            File.WriteAllBytes(Path.Combine(dir, version + ".zip"), zip.Zip);
        }
    }

    private static Dictionary<string, (string? Error, string? Sum)> ParseDownloadJson(string json)
    {
        var results = new Dictionary<string, (string? Error, string? Sum)>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var e = document.RootElement;
            var version = e.GetProperty("Version").GetString()!;
            results[version] = (
                e.TryGetProperty("Error", out var error) ? error.GetString() : null,
                e.TryGetProperty("Sum", out var sum) ? sum.GetString() : null);
        }

        return results;
    }
}
