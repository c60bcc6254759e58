using System.Globalization;
using System.Text;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using Xunit.Abstractions;

namespace ModMesh.Protocol.Tests.Zip;

/// <summary>
/// The case folding of the collision check against go's own: a small go program prints, for every rune go 1.19
/// calls a letter, the representative of its unicode.SimpleFold orbit (x/mod/zip's strToFold).
/// </summary>
public class GoCaseFoldTests(ITestOutputHelper output)
{
    private const string Prefix = "example.com/m@v1.0.0/";

    private const string FoldProgram = """
        package main

        import (
            "bufio"
            "fmt"
            "os"
            "unicode"
        )

        func main() {
            w := bufio.NewWriter(os.Stdout)
            defer w.Flush()
            for r := rune(0); r <= unicode.MaxRune; r++ {
                if !unicode.IsLetter(r) {
                    continue
                }
                m := r
                for {
                    r0 := m
                    m = unicode.SimpleFold(r0)
                    if m <= r0 {
                        break
                    }
                }
                fmt.Fprintf(w, "%X %X\n", r, m)
            }
        }
        """;

    [Fact]
    public async Task Inspect_EveryGoFoldOrbit_CollidesExactlyWithinOrbit()
    {
        var root = TempDirectory.CreateUnique("gofold");
        try
        {
            using var sandbox = GoSandbox.Create(new GoSandboxOptions { GoProxy = "off" }, Path.Combine(root, "sandbox"));
            File.WriteAllText(Path.Combine(sandbox.Work, "fold.go"), FoldProgram);
            var result = (await sandbox.GoAsync(["run", "fold.go"], timeout: TimeSpan.FromMinutes(3))).EnsureSuccess();
            var orbits = result.StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .GroupBy(p => int.Parse(p[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), p => int.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture))
                .Select(g => g.ToArray())
                .ToList();
            output.WriteLine($"{orbits.Sum(o => o.Length)} letters in {orbits.Count} orbits, {orbits.Count(o => o.Length > 1)} with more than one letter");

            // Letters of one orbit collide, whichever two are taken.
            var missed = new List<string>();
            foreach (var orbit in orbits.Where(o => o.Length > 1))
            {
                for (var i = 1; i < orbit.Length; i++)
                {
                    var zip = TestZipWriter.Build(
                        new TestZipEntry(Prefix + char.ConvertFromUtf32(orbit[0]) + ".go", "x") { Method = 0 },
                        new TestZipEntry(Prefix + char.ConvertFromUtf32(orbit[i]) + ".go", "y") { Method = 0 });
                    var problem = ModuleZip.Inspect(new MemoryStream(zip), "example.com/m", "v1.0.0").Problem;
                    if (problem is null || !problem.Contains("case-insensitive file name collision", StringComparison.Ordinal))
                    {
                        missed.Add($"U+{orbit[0]:X4} and U+{orbit[i]:X4}: {problem ?? "accepted"}");
                    }
                }
            }

            Assert.True(missed.Count == 0, string.Join(Environment.NewLine, missed.Take(50)));

            // One letter of every orbit side by side: no two distinct orbits fold together, every go letter is a letter.
            var all = TestZipWriter.Build(orbits.Select(o => new TestZipEntry(Prefix + char.ConvertFromUtf32(o[^1]), "") { Method = 0 }));
            Assert.Null(ModuleZip.Inspect(new MemoryStream(all), "example.com/m", "v1.0.0").Problem);
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }
}
