using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ModMesh.Bench.Tools;

/// <summary>What one wrk run measured.</summary>
internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Errors, double TransferMBps, string Raw)
{
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{RequestsPerSecond,9:F0} req/s  p50 {Ms(P50Ms)}  p99 {Ms(P99Ms)}") +
        (TransferMBps >= 100 ? string.Create(CultureInfo.InvariantCulture, $"  {TransferMBps / 1024:F2} GB/s") : "") +
        (Errors > 0 ? $"  ERRORS {Errors}" : "");

    public static string Ms(double ms) =>
        ms < 1 ? string.Create(CultureInfo.InvariantCulture, $"{ms * 1000:F0} µs") : string.Create(CultureInfo.InvariantCulture, $"{ms:F2} ms");
}

/// <summary>
/// Runs wrk 4.1 (Debian's) as a separate process, always bounded: <c>-d</c> seconds, and the process is killed when it
/// outlives that by 30 s. Default shape <c>-t2 -c32 --latency</c>.
/// </summary>
internal static partial class Wrk
{
    public static async Task<WrkResult> RunAsync(
        string url, int seconds, int threads = 2, int connections = 32, IReadOnlyList<string>? paths = null, string? scratch = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "10s", "--latency" })
        {
            psi.ArgumentList.Add(a);
        }

        string? script = null;
        if (paths is { Count: > 0 })
        {
            // Rotates over the paths, each thread from its own offset.
            script = Path.Combine(scratch ?? Path.GetTempPath(), $"wrk-{Guid.NewGuid():N}.lua");
            var list = string.Join(",\n", paths.Select(p => "  \"" + p.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
            await File.WriteAllTextAsync(script, $$"""
                local paths = {
                {{list}}
                }
                local i = math.random(#paths)
                request = function()
                  i = (i % #paths) + 1
                  return wrk.format("GET", paths[i])
                end
                """, cancellationToken).ConfigureAwait(false);
            psi.ArgumentList.Add("-s");
            psi.ArgumentList.Add(script);
        }

        psi.ArgumentList.Add(url);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("wrk did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(seconds + 30));
        try
        {
            await process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"wrk against {url} did not finish within {seconds + 30} s");
        }
        finally
        {
            if (script is not null)
            {
                File.Delete(script);
            }
        }

        var text = await stdout.ConfigureAwait(false);
        var err = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited {process.ExitCode}: {err}{text}");
        }

        return Parse(text);
    }

    public static WrkResult Parse(string text)
    {
        double rps = Double(RequestsPerSecond().Match(text), "Requests/sec");
        double p50 = Duration(Percentile().Matches(text).FirstOrDefault(m => m.Groups[1].Value == "50"), "50%");
        double p99 = Duration(Percentile().Matches(text).FirstOrDefault(m => m.Groups[1].Value == "99"), "99%");
        var total = RequestsTotal().Match(text);
        long requests = total.Success ? long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        long errors = 0;
        var non2xx = Non2xx().Match(text);
        if (non2xx.Success)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        var socket = SocketErrors().Match(text);
        if (socket.Success)
        {
            for (var g = 1; g <= 4; g++)
            {
                errors += long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture);
            }
        }

        var transfer = Transfer().Match(text);
        double mbps = 0;
        if (transfer.Success)
        {
            mbps = double.Parse(transfer.Groups[1].Value, CultureInfo.InvariantCulture) * transfer.Groups[2].Value switch
            {
                "GB" => 1024,
                "MB" => 1,
                "KB" => 1.0 / 1024,
                _ => 1.0 / (1024 * 1024),
            };
        }

        return new WrkResult(rps, p50, p99, requests, errors, mbps, text);
    }

    private static double Double(Match m, string what) =>
        m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new FormatException($"wrk output has no {what}");

    private static double Duration(Match? m, string what)
    {
        if (m is null || !m.Success)
        {
            throw new FormatException($"wrk output has no {what} latency");
        }

        var value = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return m.Groups[3].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            "m" => value * 60_000,
            _ => throw new FormatException($"unknown unit {m.Groups[3].Value}"),
        };
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"^\s+(50|75|90|99)%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex Percentile();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsTotal();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"Transfer/sec:\s+([0-9.]+)(GB|MB|KB|B)")]
    private static partial Regex Transfer();
}
