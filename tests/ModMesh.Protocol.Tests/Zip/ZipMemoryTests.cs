using System.Diagnostics;
using ModMesh.TestSupport;
using Xunit.Abstractions;

namespace ModMesh.Protocol.Tests.Zip;

/// <summary>Not run in parallel with other tests: it measures the process's memory.</summary>
[CollectionDefinition(nameof(ZipMemoryTests), DisableParallelization = true)]
public sealed class ZipMemoryCollection;

[Collection(nameof(ZipMemoryTests))]
public class ZipMemoryTests(ITestOutputHelper output)
{
    private const int Entries = 300_000;
    private const string Prefix = "example.com/m@v1.0.0/";

    [Fact]
    public void Inspect_300kEntryZip_LiveMemoryUnder40MB()
    {
        var root = TempDirectory.CreateUnique("zipmem");
        try
        {
            var path = Path.Combine(root, "big.zip");
            using (var file = File.Create(path))
            {
                TestZipWriter.Write(file, Tree());
            }

            var zipBytes = new FileInfo(path).Length;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            var baselineWorkingSet = Environment.WorkingSet;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long peakLive = baseline, peakWorkingSet = baselineWorkingSet;
            using var stop = new ManualResetEventSlim();
            var sampler = new Thread(() =>
            {
                // Live managed memory: a full collection before each sample, so short-lived garbage (the one
                // central record and streams per entry) does not count; 20 ms apart.
                while (!stop.Wait(20))
                {
                    peakLive = Math.Max(peakLive, GC.GetTotalMemory(forceFullCollection: true));
                    peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                }
            });
            sampler.Start();
            var stopwatch = Stopwatch.StartNew();
            ModuleZipReport report;
            using (var zip = File.OpenRead(path))
            {
                report = ModuleZip.Inspect(zip, "example.com/m", "v1.0.0");
            }

            stopwatch.Stop();
            stop.Set();
            sampler.Join();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

            Assert.Null(report.Problem);
            Assert.NotNull(report.Hash);
            Assert.NotNull(report.GoMod);
            var peakLiveDelta = peakLive - baseline;
            output.WriteLine(
                $"{Entries} entries, zip {zipBytes / 1e6:F1} MB: inspect {stopwatch.Elapsed.TotalSeconds:F1} s; " +
                $"allocated {allocated / 1e6:F1} MB in all; peak live managed +{peakLiveDelta / 1e6:F1} MB; " +
                $"peak working set +{(peakWorkingSet - baselineWorkingSet) / 1e6:F1} MB");
            Assert.True(peakLiveDelta < 40_000_000, $"peak live managed memory grew by {peakLiveDelta} bytes");
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    private static IEnumerable<TestZipEntry> Tree()
    {
        yield return new TestZipEntry(Prefix + "go.mod", "module example.com/m\n") { Method = 0 };
        for (var i = 1; i < Entries; i++)
        {
            yield return new TestZipEntry($"{Prefix}pkg{i / 1000:D3}/File{i:D6}.go", $"package pkg{i / 1000}\n") { Method = 0 };
        }
    }
}
