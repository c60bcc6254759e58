using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.CacheNode.Tests;

/// <summary>Runs alone (after the parallel tests) so other tests' load does not distort the measurement.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCollection
{
    public const string Name = "Memory (runs alone)";
}

/// <summary>
/// Rule 3 of the design, measured on the real node process: a big zip streams upstream → store → clients without
/// raising the node's resident memory by more than a few tens of MB.
/// </summary>
[Collection(MemoryCollection.Name)]
public sealed class MemoryTests(ITestOutputHelper output)
{
    private const long ZipDataBytes = 200L << 20;
    private const long AllowedRiseBytes = 64L << 20;
    private const int Clients = 4;
    private const double ClientBytesPerSecond = 150e6;

    [Fact]
    public async Task Zip_200MBFilledThenReadByFourSlowClients_NodeMemoryRisesLessThan64MB()
    {
        const string path = "example.com/memory/big";
        await using var upstream = await ScriptedUpstream.StartAsync();
        var big = upstream.AddLargeZip(path, "v1.0.0", ZipDataBytes);
        var expected = await big.ZipSha256Async();
        upstream.AddLargeZip("example.com/memory/warm", "v1.0.0", 8 << 20);
        var storage = TempDirectory.CreateUnique("cachenode-memory");
        try
        {
            await using var node = await ServiceProcess.StartAsync(ServiceProcess.Services.CacheNode, new Dictionary<string, string?>
            {
                ["ModMesh__Upstream"] = upstream.Url,
                ["ModMesh__Storage__Path"] = storage,
                ["Logging__LogLevel__Default"] = "Warning",
            });
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = Clients })
            {
                BaseAddress = node.BaseAddress,
                Timeout = TimeSpan.FromSeconds(120),
            };

            // Warm-up: one fill and a few reads of a smaller zip run every code path once (JIT, pools, buffers).
            for (var i = 0; i < 3; i++)
            {
                using var warm = await client.GetAsync("example.com/memory/warm/@v/v1.0.0.zip", HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
                await Hashing.Sha256Async(warm);
            }

            var baseline = ProcStatus.Read(node.Pid);
            using var sampler = new RssSampler(node.Pid, TimeSpan.FromMilliseconds(50));

            var clock = Stopwatch.StartNew();
            var fill = await DownloadAsync(client, $"{path}/@v/v1.0.0.zip", double.PositiveInfinity);
            var fillTime = clock.Elapsed;
            var afterFill = sampler.PeakRss;

            clock.Restart();
            var reads = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => DownloadAsync(client, $"{path}/@v/v1.0.0.zip", ClientBytesPerSecond)));
            var readTime = clock.Elapsed;
            await sampler.StopAsync();
            var end = ProcStatus.Read(node.Pid);

            var peak = Math.Max(sampler.PeakRss, end.RssBytes);
            var rise = peak - baseline.RssBytes;
            output.WriteLine($"zip: {big.ZipLength / 1e6:F1} MB; node pid {node.Pid}; {sampler.Samples} samples every 50 ms");
            output.WriteLine($"baseline after warm-up: VmRSS {Mb(baseline.RssBytes)}, VmHWM {Mb(baseline.HwmBytes)}");
            output.WriteLine($"fill + first download: {fillTime.TotalSeconds:F2} s ({big.ZipLength / 1e6 / fillTime.TotalSeconds:F0} MB/s), peak VmRSS during it {Mb(afterFill)}");
            output.WriteLine($"{Clients} concurrent throttled downloads: {readTime.TotalSeconds:F2} s ({Clients * big.ZipLength / 1e6 / readTime.TotalSeconds:F0} MB/s total)");
            output.WriteLine($"peak VmRSS {Mb(peak)}, rise over baseline {Mb(rise)} (allowed {Mb(AllowedRiseBytes)}); VmHWM at end {Mb(end.HwmBytes)} (+{Mb(end.HwmBytes - baseline.HwmBytes)})");

            Assert.Equal(HttpStatusCode.OK, fill.Status);
            Assert.Equal(big.ZipLength, fill.Length);
            Assert.Equal(expected, fill.Hash);
            Assert.All(reads, r =>
            {
                Assert.Equal(HttpStatusCode.OK, r.Status);
                Assert.Equal(big.ZipLength, r.Length);
                Assert.Equal(expected, r.Hash);
            });
            Assert.Equal(1, upstream.RequestCount(path, "@v/v1.0.0.zip"));
            Assert.True(rise < AllowedRiseBytes, $"the node's VmRSS rose by {Mb(rise)} (baseline {Mb(baseline.RssBytes)}, peak {Mb(peak)}), more than {Mb(AllowedRiseBytes)}");
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:F1} MiB";

    private sealed record Download(HttpStatusCode Status, long Length, byte[] Hash);

    /// <summary>Streams a response into SHA-256, reading at most <paramref name="bytesPerSecond"/> (never buffering the body).</summary>
    private static async Task<Download> DownloadAsync(HttpClient client, string url, double bytesPerSecond)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Download(response.StatusCode, 0, []);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[32 * 1024];
        var clock = Stopwatch.StartNew();
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
            var due = TimeSpan.FromSeconds(total / bytesPerSecond) - clock.Elapsed;
            if (due > TimeSpan.FromMilliseconds(5))
            {
                await Task.Delay(due);
            }
        }

        return new Download(response.StatusCode, total, hash.GetHashAndReset());
    }

    private readonly record struct ProcStatus(long RssBytes, long HwmBytes)
    {
        public static ProcStatus Read(int pid)
        {
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kilobytes(line);
                }
            }

            return new ProcStatus(rss, hwm);
        }

        private static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Samples a process's VmRSS on a timer, keeping the peak.</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;
        private int _samples;

        public RssSampler(int pid, TimeSpan every)
        {
            _loop = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(every);
                do
                {
                    var rss = ProcStatus.Read(pid).RssBytes;
                    Interlocked.Increment(ref _samples);
                    if (rss > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, rss);
                    }
                }
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
            });
        }

        public long PeakRss => Interlocked.Read(ref _peak);

        public int Samples => Volatile.Read(ref _samples);

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
