using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using ModMesh.Bench.Tools;
using ModMesh.TestSupport.Http;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Memory of the zip check under the fill cap: four different versions of a module whose zip holds 300,000 tiny
/// files (a go.mod at the root), written to a GOPROXY tree on disk and served by the in-process static upstream
/// (no checksum database for them: the node's sumdb is off). One real cache node (folder store, fills itself) gets
/// the four zip requests at once; its RSS (VmRSS from /proc/PID/status) is sampled every 20 ms from just before the
/// requests until the last answer is complete, and its high-water mark (VmHWM) read at the end. Target: the node
/// stays under 250 MB.
/// </summary>
internal static class BigZipSection
{
    private const string Module = "example.com/bench/bigzip";
    private const int Entries = 300_000;
    private const int Versions = 4;
    private const double TargetMegabytes = 250;

    public static async Task RunAsync(BenchContext context)
    {
        var tree = context.NewFolder("bigzip-tree");
        var versions = Enumerable.Range(0, Versions).Select(i => $"v1.0.{i}").ToList();
        var writing = Stopwatch.StartNew();
        var zipLengths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var version in versions)
        {
            zipLengths[version] = WriteVersion(tree, version);
        }

        Console.WriteLine($"   wrote {Versions} zips of {Entries:N0} entries ({zipLengths.Values.First() / 1e6:F1} MB each) in {writing.Elapsed.TotalSeconds:F1} s");

        await using var upstream = await StaticGoProxyServer.StartAsync(tree, context.CancellationToken).ConfigureAwait(false);
        await using var topology = new Topology(context, "4 concurrent 300,000-entry zip fills");
        var node = await topology.StartNodeAsync(upstream.Url, context.NewFolder("bigzip-store")).ConfigureAwait(false);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(5) };

        // One small request first: the process is listening and its request path is loaded; the baseline is the
        // node at rest after that.
        var mod = await client.GetAsync(new Uri($"{node.Url}/{Module}/@v/{versions[0]}.mod"), context.CancellationToken).ConfigureAwait(false);
        mod.EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1), context.CancellationToken).ConfigureAwait(false);
        var baseline = PeakMemory.ReadStatusBytes(node.Pid, "VmRSS:") ?? throw new InvalidOperationException("cannot read the node's VmRSS");
        var peakSampled = baseline;

        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (PeakMemory.ReadStatusBytes(node.Pid, "VmRSS:") is { } rss)
                {
                    peakSampled = Math.Max(peakSampled, rss);
                }

                try
                {
                    await Task.Delay(20, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fills = versions.Select(async version =>
        {
            await start.Task.ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            using var response = await client.GetAsync(new Uri($"{node.Url}/{Module}/@v/{version}.zip"), HttpCompletionOption.ResponseHeadersRead, context.CancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(context.CancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var length = await DrainAsync(body, context.CancellationToken).ConfigureAwait(false);
                var ok = response.IsSuccessStatusCode && length == zipLengths[version];
                return (Seconds: sw.Elapsed.TotalSeconds, Ok: ok, Status: (int)response.StatusCode);
            }
        }).ToList();
        var all = Stopwatch.StartNew();
        start.SetResult();
        var results = await Task.WhenAll(fills).ConfigureAwait(false);
        var elapsed = all.Elapsed.TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        topology.ThrowIfAnyExited();

        var highWater = PeakMemory.ReadHighWaterMark(node.Pid) ?? peakSampled;
        var peak = Math.Max(peakSampled, highWater);
        var failed = results.Count(r => !r.Ok);
        var zipCount = upstream.Count($"/@v/{versions[0]}.zip");
        var value = string.Create(CultureInfo.InvariantCulture,
            $"peak {Mb(peak):F0} MB (VmHWM; sampled VmRSS max {Mb(peakSampled):F0} MB), baseline {Mb(baseline):F0} MB, +{Mb(peak - baseline):F0} MB; " +
            $"4 fills done in {elapsed:F1} s (each {string.Join(", ", results.Select(r => r.Seconds.ToString("F1", CultureInfo.InvariantCulture)))} s); " +
            $"zip {zipLengths[versions[0]] / 1e6:F1} MB, upstream GETs of one zip {zipCount}");
        if (failed > 0)
        {
            value += $"; {failed} FAILED ({string.Join(",", results.Where(r => !r.Ok).Select(r => r.Status).Distinct())})";
        }

        context.Report.Add(new Row("bigzip", $"{Versions} concurrent fills of a {Entries:N0}-entry zip — cache node RSS", value,
            string.Create(CultureInfo.InvariantCulture, $"{Mb(peak):F0} MB"), $"< {TargetMegabytes:F0} MB", failed == 0 && Mb(peak) < TargetMegabytes));
    }

    /// <summary>
    /// Writes one version into the GOPROXY tree (.info, .mod, .zip, list) and returns the zip's length: a go.mod at
    /// the root and <see cref="Entries"/> − 1 one-line Go files, 1,000 per folder, stored (a valid module zip).
    /// </summary>
    private static long WriteVersion(string tree, string version)
    {
        var folder = Directory.CreateDirectory(Path.Combine(tree, Module, "@v")).FullName;
        var goMod = $"module {Module}\n\ngo 1.19\n";
        File.WriteAllText(Path.Combine(folder, version + ".info"), $"{{\"Version\":\"{version}\",\"Time\":\"2026-12-01T00:00:00Z\"}}");
        File.WriteAllText(Path.Combine(folder, version + ".mod"), goMod);
        File.AppendAllText(Path.Combine(folder, "list"), version + "\n");

        var zipPath = Path.Combine(folder, version + ".zip");
        var prefix = $"{Module}@{version}/";
        using (var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            Add(zip, prefix + "go.mod", goMod);
            for (var i = 1; i < Entries; i++)
            {
                Add(zip, $"{prefix}pkg{i / 1000:D3}/file{i:D6}.go", $"package pkg{i / 1000:D3}\n");
            }
        }

        return new FileInfo(zipPath).Length;
    }

    private static void Add(ZipArchive zip, string name, string content)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        using var stream = entry.Open();
        stream.Write(Encoding.UTF8.GetBytes(content));
    }

    private static async Task<long> DrainAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024);
}
