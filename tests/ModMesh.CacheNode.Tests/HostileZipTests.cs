using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// Generated zips that break go's module zip rules, served by the upstream and fetched through a node's real fill
/// path: each is refused with 502 and a message saying what is wrong, and nothing reaches the store.
/// </summary>
public sealed class HostileZipTests(ITestOutputHelper output)
{
    private const string ModulePath = "example.com/hostile/zips";
    private const int Zips = 210;

    [Fact]
    public async Task Zip_GeneratedRuleBreakingZips_EachRefusedWith502AndNothingCommitted()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var generator = new HostileZipGenerator(seed: 7331);
        var versions = Enumerable.Range(0, Zips).Select(i => $"v1.0.{i}").ToArray();
        var module = upstream.AddModule(ModulePath, versions);
        var kinds = new string[Zips];
        for (var i = 0; i < Zips; i++)
        {
            (kinds[i], module.Version(versions[i]).SmallZip) = generator.Next(i, versions[i]);
        }

        await using var node = await TestNode.StartAsync(upstream);
        var failures = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Zips), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            using var response = await node.Client.GetAsync($"{ModulePath}/@v/{versions[i]}.zip", token);
            var body = await response.Content.ReadAsStringAsync(token);
            if (response.StatusCode != HttpStatusCode.BadGateway || !body.StartsWith("upstream content refused: ", StringComparison.Ordinal) ||
                !body.Contains($"{ModulePath}@{versions[i]}.zip", StringComparison.Ordinal) || body.Contains(node.StoragePath, StringComparison.Ordinal))
            {
                failures.Enqueue($"{versions[i]} ({kinds[i]}): {(int)response.StatusCode}: {body.Trim()}");
            }
        });

        output.WriteLine($"{Zips} hostile zips refused in {clock.Elapsed.TotalSeconds:F1} s; kinds: " +
            string.Join(", ", kinds.GroupBy(k => k).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} zips not refused as they should be:\n{string.Join('\n', failures.Take(20))}");
        Assert.Equal(Zips, upstream.ModuleRequestCount(ModulePath));
        var modules = Path.Combine(node.StoragePath, "modules");
        var stored = Directory.Exists(modules) ? Directory.GetFiles(modules, "*", SearchOption.AllDirectories) : [];
        Assert.True(stored.Length == 0, $"committed: {string.Join(", ", stored.Take(5))}");
    }
}

/// <summary>Zips that each break one of go's module zip rules (golang.org/x/mod/zip), chosen by a seeded generator.</summary>
internal sealed class HostileZipGenerator(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] Kinds =
    [
        "other module prefix", "other version prefix", "no prefix", "dot-dot entry", "absolute entry", "duplicate entry", "case-fold collision",
        "bad character", "go.mod of another module", "not a zip", "truncated", "empty", "trailing-dot element", "reserved windows name",
        "backslash", "upper-case prefix", "empty element", "vendor-free junk only",
    ];

    /// <summary>The kind of breakage and the zip bytes, for the <paramref name="index"/>-th version.</summary>
    public (string Kind, byte[] Zip) Next(int index, string version)
    {
        const string path = "example.com/hostile/zips";
        var kind = Kinds[index % Kinds.Length];
        var prefix = $"{path}@{version}/";
        var mod = Encoding.UTF8.GetBytes($"module {path}\n\ngo 1.19\n");
        var noise = Salt();
        byte[] Build(params (string Name, byte[] Content)[] entries)
        {
            using var buffer = new MemoryStream();
            using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, content) in entries)
                {
                    using var entry = archive.CreateEntry(name, _random.Next(2) == 0 ? CompressionLevel.NoCompression : CompressionLevel.Fastest).Open();
                    entry.Write(content);
                }
            }

            return buffer.ToArray();
        }

        var go = Encoding.UTF8.GetBytes($"package zips\n\n// {noise}\n");
        var (foldA, foldB) = CaseFoldPair();
        var zip = kind switch
        {
            "other module prefix" => Build(("example.com/other@" + version + "/go.mod", mod), ("example.com/other@" + version + "/a.go", go)),
            "other version prefix" => Build(($"{path}@v9.9.9/go.mod", mod), ($"{path}@v9.9.9/a.go", go)),
            "no prefix" => Build(("go.mod", mod), ("a.go", go)),
            "dot-dot entry" => Build((prefix + "go.mod", mod), (prefix + Pick("../escape.go", "sub/../../escape.go", "a/../../../etc/passwd"), go)),
            "absolute entry" => Build((prefix + "go.mod", mod), ("/" + prefix + "a.go", go)),
            "duplicate entry" => Build((prefix + "go.mod", mod), (prefix + "a.go", go), (prefix + "a.go", go)),
            "case-fold collision" => Build((prefix + "go.mod", mod), (prefix + foldA, go), (prefix + foldB, go)),
            "bad character" => Build((prefix + "go.mod", mod), (prefix + Pick("a:b.go", "a\u0001.go", "a\".go", "a<b.go", "a|b.go", "a*.go", "a?.go", "a\u007f.go"), go)),
            "go.mod of another module" => Build((prefix + "go.mod", Encoding.UTF8.GetBytes($"module example.com/evil/{noise}\n")), (prefix + "a.go", go)),
            "not a zip" => Encoding.UTF8.GetBytes($"<html><body>{noise}</body></html>"),
            "truncated" => Truncate(Build((prefix + "go.mod", mod), (prefix + "a.go", go))),
            "empty" => [],
            "trailing-dot element" => Build((prefix + "go.mod", mod), (prefix + Pick("dir./a.go", "a.go.", "x./y.go"), go)),
            "reserved windows name" => Build((prefix + "go.mod", mod), (prefix + Pick("CON.go", "aux/a.go", "nul", "com1.txt", "LPT9.go"), go)),
            "backslash" => Build((prefix + "go.mod", mod), (prefix + "dir\\a.go", go)),
            "upper-case prefix" => Build(($"Example.com/hostile/zips@{version}/go.mod", mod), ($"Example.com/hostile/zips@{version}/a.go", go)),
            "empty element" => Build((prefix + "go.mod", mod), (prefix + "dir//a.go", go)),
            _ => Build((prefix + "go.mod", mod), (prefix + "a.go", go), ($"{path}@{version}x/b.go", go)),
        };
        return (kind, zip);
    }

    // Names that go's zip rules hold equal under Unicode case folding (K and the Kelvin sign fold together).
    private (string, string) CaseFoldPair() => _random.Next(4) switch
    {
        0 => ("A.go", "a.go"),
        1 => ("K.go", "\u212a.go"),
        2 => ("Readme.md", "README.md"),
        _ => ("dir/x.go", "DIR/y.go"),
    };

    private byte[] Truncate(byte[] zip) => zip[..(_random.Next(zip.Length / 2, zip.Length - 1))];

    private string Pick(params string[] items) => items[_random.Next(items.Length)];

    private string Salt() => Convert.ToHexString(BitConverter.GetBytes(_random.NextInt64())).ToLowerInvariant();
}
