using System.Diagnostics;
using System.Net;

namespace ModMesh.Gateway.Tests.Infrastructure;

/// <summary>
/// Bounded steady load on loopback: <c>concurrency</c> loops, each sending GETs for a rotating set of paths one after
/// another, until stopped. Any exception or non-200 answer is an error. Records latencies.
/// </summary>
internal sealed class LoadLoop : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly List<double>[] _latencies;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _requests;
    private long _errors;
    private readonly List<string> _errorSamples = [];
    private TimeSpan? _elapsed;

    private LoadLoop(Uri baseAddress, IReadOnlyList<string> paths, int concurrency, long? totalRequests)
    {
        _client = NewClient(baseAddress);
        _latencies = Enumerable.Range(0, concurrency).Select(_ => new List<double>(4096)).ToArray();
        _loops = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => RunAsync(i, paths, concurrency, totalRequests))).ToArray();
    }

    public static HttpClient NewClient(Uri baseAddress) =>
        new(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(15),
        };

    public static LoadLoop Start(Uri baseAddress, IReadOnlyList<string> paths, int concurrency = 8, long? totalRequests = null) =>
        new(baseAddress, paths, concurrency, totalRequests);

    public long Requests => Interlocked.Read(ref _requests);

    public long Errors => Interlocked.Read(ref _errors);

    public IReadOnlyList<string> ErrorSamples
    {
        get
        {
            lock (_errorSamples)
            {
                return _errorSamples.ToList();
            }
        }
    }

    public TimeSpan Elapsed => _elapsed ?? _clock.Elapsed;

    private async Task RunAsync(int loop, IReadOnlyList<string> paths, int concurrency, long? totalRequests)
    {
        var latencies = _latencies[loop];
        for (var i = loop; !_stop.IsCancellationRequested; i += concurrency)
        {
            if (totalRequests is { } total && Interlocked.Increment(ref _requests) > total)
            {
                Interlocked.Decrement(ref _requests);
                return;
            }

            if (totalRequests is null)
            {
                Interlocked.Increment(ref _requests);
            }

            var path = paths[i % paths.Count];
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await _client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Error($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
            catch (Exception e)
            {
                Error($"{path}: {e.GetType().Name} {e.Message}");
            }

            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private void Error(string sample)
    {
        Interlocked.Increment(ref _errors);
        lock (_errorSamples)
        {
            if (_errorSamples.Count < 10)
            {
                _errorSamples.Add(sample);
            }
        }
    }

    /// <summary>Waits for a bounded run (totalRequests) to finish.</summary>
    public async Task CompletionAsync()
    {
        await Task.WhenAll(_loops);
        _elapsed ??= _clock.Elapsed;
    }

    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_loops);
        _elapsed ??= _clock.Elapsed;
    }

    /// <summary>Latency percentile in milliseconds over every completed request.</summary>
    public double Percentile(double p)
    {
        var all = _latencies.SelectMany(l => l).Order().ToArray();
        return all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p / 100 * all.Length) - 1)];
    }

    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public string Summary() =>
        $"{Requests} requests, {Errors} errors in {Elapsed.TotalSeconds:F1} s ({RequestsPerSecond:F0} req/s, p50 {Percentile(50):F2} ms, p99 {Percentile(99):F2} ms)";

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _client.Dispose();
        _stop.Dispose();
    }
}
