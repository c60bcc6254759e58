using ModMesh.Bench.Tools;

namespace ModMesh.Bench;

/// <summary>What every section shares: options, the report, peak memory, and a scratch folder deleted at the end.</summary>
internal sealed class BenchContext(BenchOptions options, Report report, string scratch, CancellationToken cancellationToken)
{
    private int _folders;

    public BenchOptions Options { get; } = options;

    public Report Report { get; } = report;

    public PeakMemory Memory { get; } = new();

    public string Scratch { get; } = scratch;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>A new empty folder under <see cref="Scratch"/>.</summary>
    public string NewFolder(string purpose) =>
        Directory.CreateDirectory(Path.Combine(Scratch, $"{purpose}-{Interlocked.Increment(ref _folders)}")).FullName;

    /// <summary>A wrk measurement after a warm-up run of the same shape.</summary>
    public async Task<WrkResult> LoadAsync(string baseUrl, string path, IReadOnlyList<string>? rotate = null, int connections = 32)
    {
        var url = baseUrl.TrimEnd('/') + path;
        await Wrk.RunAsync(url, Options.WarmupSeconds, connections: connections, paths: rotate, scratch: Scratch, cancellationToken: CancellationToken).ConfigureAwait(false);
        return await Wrk.RunAsync(url, Options.LoadSeconds, connections: connections, paths: rotate, scratch: Scratch, cancellationToken: CancellationToken).ConfigureAwait(false);
    }
}
