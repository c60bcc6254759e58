using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Bench.Tools;

/// <summary>
/// The framework's own ceiling on this machine: a stripped-down Kestrel (slim builder, no logging, no telemetry, one
/// catch-all endpoint) serving a store folder's files — small ones from memory, large ones by path (sendfile) — the
/// same bytes a cache node answers. Runs as a separate process (this bench's own dll, <c>--serve-baseline</c>), with
/// Server GC like the services.
/// </summary>
internal static class KestrelBaseline
{
    public const string Argument = "--serve-baseline";

    /// <summary>The child process: serves <paramref name="root"/> on 127.0.0.1:<paramref name="port"/> until killed.</summary>
    public static async Task<int> ServeAsync(string root, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var small = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        var fullRoot = Path.GetFullPath(root);
        app.MapGet("/{**path}", (string path) =>
        {
            var file = Path.GetFullPath(Path.Combine(fullRoot, path));
            if (!file.StartsWith(fullRoot, StringComparison.Ordinal))
            {
                return Results.NotFound();
            }

            if (small.TryGetValue(path, out var bytes))
            {
                return Results.Bytes(bytes, "application/octet-stream");
            }

            var info = new FileInfo(file);
            if (!info.Exists)
            {
                return Results.NotFound();
            }

            if (info.Length <= 64 * 1024)
            {
                bytes = File.ReadAllBytes(file);
                small[path] = bytes;
                return Results.Bytes(bytes, "application/octet-stream");
            }

            return Results.File(file, "application/zip");
        });
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Starts the baseline for <paramref name="root"/> as a child process and waits until it listens.</summary>
    public static async Task<(Process Process, string Url)> StartAsync(string root)
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(KestrelBaseline).Assembly.Location);
        }

        psi.ArgumentList.Add(Argument);
        psi.ArgumentList.Add(root);
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.Environment["DOTNET_gcServer"] = "1";
        psi.Environment["DOTNET_GCgen0size"] = null;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("the Kestrel baseline did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = $"http://127.0.0.1:{port}";
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the Kestrel baseline exited with {process.ExitCode}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(url + "/_ready")).ConfigureAwait(false);
                return (process, url);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException("the Kestrel baseline did not listen within 20 s");
    }
}
