using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using ModMesh.Protocol;
using Spectre.Console;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh warm</c>: asks a proxy for every file a build needs, so the first CI run after a dependency change
/// does not wait for fills. Targets are go.sum files (every version with its zip and go.mod hashes: the complete
/// build list), go.mod files (their require lines) and <c>module@version</c> arguments. Each version's .info, .mod
/// and .zip are downloaded (only .mod for a go.sum "/go.mod" line), several versions at a time; where go.sum gives a
/// hash, the bytes served are checked against it, so warming also proves the proxy serves what the build expects.
/// On a terminal it draws a progress bar (and a line for each failure); otherwise it prints a line per version.
/// Either way it ends with a one-line summary, and exit code 1 when any version failed.
/// </summary>
internal static class WarmCommand
{
    private const int DefaultConcurrency = 8;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var parsed = Arguments.Parse(args, ["proxy", "token", "concurrency"], []);
        var proxy = parsed.RequireOption("proxy", "proxy URL");
        if (!Uri.TryCreate(proxy.TrimEnd('/') + "/", UriKind.Absolute, out var proxyUri) || proxyUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--proxy '{proxy}' is not an http:// or https:// URL");
        }

        var concurrency = DefaultConcurrency;
        if (parsed.Option("concurrency") is { } c && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out concurrency) || concurrency is < 1 or > 64))
        {
            throw new UsageException("--concurrency must be a whole number from 1 to 64");
        }

        if (parsed.Positional.Count == 0)
        {
            throw new UsageException("name what to warm: go.sum or go.mod files, or module@version");
        }

        var targets = new WarmTargets();
        foreach (var argument in parsed.Positional)
        {
            foreach (var problem in targets.Add(argument))
            {
                await context.Error.WriteLineAsync($"modmesh: {problem}").ConfigureAwait(false);
            }
        }

        var versions = targets.Versions;
        if (versions.Count == 0)
        {
            await context.Error.WriteLineAsync("modmesh: nothing to warm").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        using var client = context.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 3 }, disposeHandler: true);
        client.BaseAddress = proxyUri;
        client.Timeout = TimeSpan.FromMinutes(10);
        var token = parsed.Option("token") ?? context.GetEnvironmentVariable(PublishCommand.TokenVariable);
        if (!string.IsNullOrEmpty(token))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var started = Stopwatch.GetTimestamp();
        long files = 0, bytes = 0, done = 0;
        var failures = new List<string>();
        var progress = new object();

        // One version finished: count it, and tell the user (a line each, or the progress bar and a line per failure).
        void Finished(WarmVersion version, int got, long size, string? problem, ProgressTask? bar)
        {
            lock (progress)
            {
                files += got;
                bytes += size;
                done++;
                if (problem is not null)
                {
                    failures.Add($"{version.Path}@{version.Version}: {problem}");
                }

                if (bar is null)
                {
                    context.Out.WriteLine(problem is null
                        ? $"[{done}/{versions.Count}] ok     {version.Path}@{version.Version} ({got} file(s), {Size(size)})"
                        : $"[{done}/{versions.Count}] FAILED {version.Path}@{version.Version}: {problem}");
                    return;
                }

                bar.Increment(1);
                bar.Description = $"warming {done}/{versions.Count} ({Size(bytes)})";
                if (problem is not null)
                {
                    context.Terminal!.MarkupLineInterpolated($"[red]FAILED[/] {version.Path}@{version.Version}: {problem}");
                }
            }
        }

        async Task WarmAllAsync(ProgressTask? bar) =>
            await Parallel.ForEachAsync(versions, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (version, token) =>
            {
                var (got, size, problem) = await WarmOneAsync(client, version, token).ConfigureAwait(false);
                Finished(version, got, size, problem, bar);
            }).ConfigureAwait(false);

        if (context.Terminal is { } terminal)
        {
            // A terminal: one progress bar (done, size so far, rate, time left) instead of a line per version.
            await terminal.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progressContext =>
                    await WarmAllAsync(progressContext.AddTask($"warming 0/{versions.Count}", maxValue: versions.Count)).ConfigureAwait(false))
                .ConfigureAwait(false);
        }
        else
        {
            await WarmAllAsync(null).ConfigureAwait(false);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warmed {versions.Count - failures.Count} of {versions.Count} version(s): {files} file(s), {Size(bytes)} in {seconds:0.0} s; {failures.Count} failed"));
        foreach (var failure in failures)
        {
            await context.Error.WriteLineAsync($"modmesh: {failure}").ConfigureAwait(false);
        }

        return failures.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>Downloads one version's files; the number of files, their bytes, and the first problem (or null).</summary>
    private static async Task<(int Files, long Bytes, string? Problem)> WarmOneAsync(HttpClient client, WarmVersion version, CancellationToken cancellationToken)
    {
        if (!CaseEncoding.TryEscapePath(version.Path, out var path, out var error) || !CaseEncoding.TryEscapeVersion(version.Version, out var escapedVersion, out error))
        {
            return (0, 0, error);
        }

        var prefix = $"{path}/@v/{escapedVersion}";
        var files = 0;
        long bytes = 0;
        try
        {
            if (!version.ModOnly)
            {
                var info = await GetBytesAsync(client, prefix + ".info", cancellationToken).ConfigureAwait(false);
                if (info.Problem is not null)
                {
                    return (files, bytes, ".info: " + info.Problem);
                }

                files++;
                bytes += info.Body!.Length;
            }

            var mod = await GetBytesAsync(client, prefix + ".mod", cancellationToken).ConfigureAwait(false);
            if (mod.Problem is not null)
            {
                return (files, bytes, ".mod: " + mod.Problem);
            }

            files++;
            bytes += mod.Body!.Length;
            if (version.GoModHash is { } expectedMod && DirHash.HashGoMod(mod.Body) is var servedMod && servedMod != expectedMod)
            {
                return (files, bytes, $"go.mod checksum mismatch: go.sum has {expectedMod}, the proxy served {servedMod}");
            }

            if (version.ModOnly)
            {
                return (files, bytes, null);
            }

            var zip = await GetZipAsync(client, prefix + ".zip", version.ZipHash, cancellationToken).ConfigureAwait(false);
            files += zip.Problem is null ? 1 : 0;
            return (files, bytes + zip.Bytes, zip.Problem is null ? null : ".zip: " + zip.Problem);
        }
        catch (HttpRequestException ex)
        {
            return (files, bytes, $"the proxy could not be reached: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (files, bytes, "no answer in time");
        }
    }

    private static async Task<(byte[]? Body, string? Problem)> GetBytesAsync(HttpClient client, string relative, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(relative, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (null, await StatusProblemAsync(response, cancellationToken).ConfigureAwait(false));
        }

        return (await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), null);
    }

    // The zip goes to a temporary file (never all in memory) and, with a go.sum hash, is checked against it.
    private static async Task<(long Bytes, string? Problem)> GetZipAsync(HttpClient client, string relative, string? expected, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(relative, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (0, await StatusProblemAsync(response, cancellationToken).ConfigureAwait(false));
        }

        await using var spool = new FileStream(Path.Combine(Path.GetTempPath(), $"modmesh-warm-{Guid.NewGuid():N}.zip"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            await body.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
        }

        if (expected is null)
        {
            return (spool.Length, null);
        }

        spool.Position = 0;
        string served;
        try
        {
            served = DirHash.HashZip(spool);
        }
        catch (InvalidDataException ex)
        {
            return (spool.Length, $"not a readable zip: {ex.Message}");
        }

        return served == expected
            ? (spool.Length, null)
            : (spool.Length, $"checksum mismatch: go.sum has {expected}, the proxy served {served}");
    }

    private static async Task<string> StatusProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        var firstLine = text.Split('\n', 2)[0];
        return $"{(int)response.StatusCode} {(firstLine.Length > 200 ? firstLine[..200] : firstLine)}".TrimEnd();
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
    };
}
