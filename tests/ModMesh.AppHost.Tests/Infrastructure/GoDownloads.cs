using System.Diagnostics;
using ModMesh.TestSupport.Go;

namespace ModMesh.AppHost.Tests.Infrastructure;

/// <summary>One <c>go mod download -json</c> run of the real go client in a fresh sandbox.</summary>
internal sealed record GoDownloadRun(CommandResult Result, IReadOnlyList<GoModDownload> Downloads, string[] GoSum, TimeSpan Elapsed, long ZipBytes)
{
    /// <summary>"path version h1:…" and "path version/go.mod h1:…" for every download, sorted.</summary>
    public string[] Hashes =>
        Downloads.SelectMany(d => new[] { $"{d.Path} {d.Version} {d.Sum}", $"{d.Path} {d.Version}/go.mod {d.GoModSum}" })
            .Order(StringComparer.Ordinal).ToArray();

    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary><c>go mod download -json</c> in a copy of the corpus main module: its whole build list.</summary>
    public static async Task<GoDownloadRun> MainModuleAsync(GoCorpus corpus, string goProxy)
    {
        using var go = GoSandbox.Create(new GoSandboxOptions { GoProxy = goProxy, Timeout = Timeout });
        var main = corpus.CopyMainModule(go.Work);
        var stopwatch = Stopwatch.StartNew();
        var result = await go.GoAsync(["mod", "download", "-json"], main);
        stopwatch.Stop();
        var goSumPath = Path.Combine(main, "go.sum");
        var goSum = File.Exists(goSumPath)
            ? (await File.ReadAllLinesAsync(goSumPath)).Where(l => l.Length > 0).Order(StringComparer.Ordinal).ToArray()
            : [];
        return Parse(result, goSum, stopwatch.Elapsed);
    }

    /// <summary><c>go mod download -json m@v…</c> outside any module.</summary>
    public static async Task<GoDownloadRun> QueriesAsync(string goProxy, IEnumerable<string> queries)
    {
        using var go = GoSandbox.Create(new GoSandboxOptions { GoProxy = goProxy, Timeout = Timeout });
        var stopwatch = Stopwatch.StartNew();
        var result = await go.GoAsync(["mod", "download", "-json", .. queries]);
        stopwatch.Stop();
        return Parse(result, [], stopwatch.Elapsed);
    }

    private static GoDownloadRun Parse(CommandResult result, string[] goSum, TimeSpan elapsed)
    {
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        var zipBytes = downloads.Where(d => File.Exists(d.Zip)).Sum(d => new FileInfo(d.Zip!).Length);
        return new GoDownloadRun(result, downloads, goSum, elapsed, zipBytes);
    }
}
