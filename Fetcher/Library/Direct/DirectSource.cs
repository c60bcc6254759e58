using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Direct;

/// <summary>
/// The "direct" entry of the upstream chain: answers the GOPROXY paths of a module ("@v/list", "@latest",
/// "@v/{version}.info|.mod|.zip") from version control by running the real go command with GOPROXY=direct in an
/// isolated work folder — go already knows every VCS, module zip creation, +incompatible go.mod synthesis,
/// pseudo-versions and query resolution. go never asks a proxy or a checksum database here (GOPROXY=direct,
/// GOSUMDB=off): the fill applies its own verification policy to what comes back. Only paths matching
/// ModMesh:Direct:Patterns start a go process; mapped paths are discovered through <see cref="DirectDiscovery"/> and
/// credentials reach only their hosts (<see cref="DirectRunSetup"/>); clients get reasons from a fixed list, the log gets go's text.
/// </summary>
internal sealed partial class DirectSource : IDisposable
{
    /// <summary>The source name of answers from version control.</summary>
    public const string SourceName = "direct";

    private const int MaxMessageChars = 2048;

    private readonly DirectOptions _options;
    private readonly string _private;
    private readonly string _goBinary;
    private readonly DirectMappings _mappings;
    private readonly DirectRunSetup _setup;
    private readonly DirectDiscovery? _discovery;
    private readonly ModulePatternSet? _allowed;
    private readonly SemaphoreSlim _slots;
    private readonly DirectWorkspaces _workspaces;
    private readonly ILogger<DirectSource> _logger;

    public DirectSource(IOptions<UpstreamOptions> options, TimeProvider time, ILogger<DirectSource> logger)
    {
        _options = options.Value.Direct;
        _private = options.Value.Private;
        _logger = logger;
        _goBinary = DirectOptions.LocateGo(_options.GoBinary) ?? _options.GoBinary;
        var ignoreCase = !options.Value.CaseSensitivePatterns;
        _mappings = new DirectMappings(_options.AllMappings, ignoreCase);
        _setup = new DirectRunSetup(_options);
        _discovery = _mappings.IsEmpty ? null : new DirectDiscovery(_mappings, logger);
        // Which paths direct fetches at all: "*" every one, else the configured patterns or private paths plus mapped prefixes.
        var patterns = string.IsNullOrWhiteSpace(_options.Patterns)
            ? string.Join(',', new[] { _private }.Concat(_mappings.Prefixes).Where(p => !string.IsNullOrWhiteSpace(p)))
            : _options.Patterns;
        _allowed = patterns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains("*")
            ? null
            : ModulePatternSet.Parse(patterns, ignoreCase);
        _slots = new SemaphoreSlim(Math.Max(1, _options.Concurrency));
        _workspaces = new DirectWorkspaces(_options.EffectiveWorkPath, _options.KeepWarm, time);
    }

    /// <summary>The folder of this process's work folders (tests look inside).</summary>
    internal string WorkRoot => _workspaces.Root;

    /// <summary>How many module work folders exist now.</summary>
    internal int OpenWorkspaces => _workspaces.Count;

    /// <summary>The go-import responder of mapped paths (null without mappings; tests count its answers).</summary>
    internal DirectDiscovery? Discovery => _discovery;

    /// <summary>Answers <paramref name="relativePath"/> ("@v/list", "@latest", "@v/{escapedVersion}.info|.mod|.zip") for a module.</summary>
    public async Task<UpstreamResponse> GetAsync(string modulePath, string relativePath, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(modulePath) || modulePath.StartsWith('-'))
        {
            return NotFound($"\"{ClientText.Escape(modulePath)}\" is not a module path direct can fetch");
        }

        if (_allowed is not null && !_allowed.Matches(modulePath))
        {
            // No go process, no network: only configured paths reach version control.
            Log.NotAllowed(_logger, ClientText.Escape(modulePath));
            return NotFound($"{ClientText.Escape(modulePath)}: not fetched from version control on this service (ModMesh:Direct:Patterns)");
        }

        if (relativePath == "@v/list")
        {
            return await ListAsync(modulePath, cancellationToken).ConfigureAwait(false);
        }

        if (relativePath == "@latest")
        {
            return await LatestAsync(modulePath, cancellationToken).ConfigureAwait(false);
        }

        if (relativePath.StartsWith("@v/", StringComparison.Ordinal))
        {
            var file = relativePath["@v/".Length..];
            var dot = file.LastIndexOf('.');
            var kind = dot < 0 ? "" : file[(dot + 1)..];
            if (kind is "info" or "mod" or "zip" &&
                CaseEncoding.TryUnescapeVersion(file[..dot], out var version, out _) &&
                version.Length > 0 && !version.StartsWith('-'))
            {
                return await DownloadAsync(modulePath, version, kind, cancellationToken).ConfigureAwait(false);
            }
        }

        return NotFound($"{ClientText.Escape(modulePath)}: direct does not answer \"{ClientText.Escape(relativePath)}\"");
    }

    private async Task<UpstreamResponse> DownloadAsync(string modulePath, string version, string kind, CancellationToken cancellationToken)
    {
        var lease = _workspaces.Acquire(modulePath);
        try
        {
            var query = $"{modulePath}@{version}";
            var run = await RunGoAsync(lease.Folder, modulePath, ["mod", "download", "-json", query], cancellationToken).ConfigureAwait(false);
            if (run.Failure is not null)
            {
                return run.Failure;
            }

            var result = ParseFirstObject(run.Output);
            var error = ErrorText(result) ?? (run.Go.Succeeded && result is not null ? null : FirstNonEmpty(run.Go.Error, run.Go.Output));
            if (error is not null)
            {
                return Failed(query, modulePath, version, error, lease.Folder);
            }

            var resolved = StringProperty(result, "Version");
            if (kind is "mod" or "zip" && resolved != version)
            {
                // Like a proxy: .mod and .zip exist only under their canonical version.
                return NotFound($"{query}: not a canonical version (it resolves to {resolved})");
            }

            var file = StringProperty(result, kind switch { "info" => "Info", "mod" => "GoMod", _ => "Zip" });
            if (file is null || !File.Exists(file))
            {
                return UpstreamResponse.Failure(OutcomeKind.UpstreamFailed, SourceName, $"{query}: go mod download named no .{kind} file");
            }

            if (kind == "zip")
            {
                var zip = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
                // The work folder lives until the caller disposes the answer (closing the zip first).
                var ok = UpstreamResponse.Ok(SourceName, zip, zip.Length, lease);
                lease = null;
                return ok;
            }

            var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
            return Small(bytes);
        }
        finally
        {
            lease?.Dispose();
        }
    }

    private async Task<UpstreamResponse> ListAsync(string modulePath, CancellationToken cancellationToken)
    {
        using var lease = _workspaces.Acquire(modulePath);
        var run = await RunGoAsync(lease.Folder, modulePath, ["list", "-m", "-versions", "-json", modulePath], cancellationToken).ConfigureAwait(false);
        if (run.Failure is not null)
        {
            return run.Failure;
        }

        var result = ParseFirstObject(run.Output);
        var error = ErrorText(result) ?? (run.Go.Succeeded && result is not null ? null : FirstNonEmpty(run.Go.Error, run.Go.Output));
        if (error is not null)
        {
            return Failed(modulePath, modulePath, null, error, lease.Folder);
        }

        var body = new StringBuilder();
        if (result!.Value.TryGetProperty("Versions", out var versions) && versions.ValueKind == JsonValueKind.Array)
        {
            foreach (var v in versions.EnumerateArray())
            {
                body.Append(v.GetString()).Append('\n');
            }
        }

        return Small(Encoding.UTF8.GetBytes(body.ToString()));
    }

    private async Task<UpstreamResponse> LatestAsync(string modulePath, CancellationToken cancellationToken)
    {
        using var lease = _workspaces.Acquire(modulePath);
        var query = modulePath + "@latest";
        var run = await RunGoAsync(lease.Folder, modulePath, ["list", "-m", "-json", query], cancellationToken).ConfigureAwait(false);
        if (run.Failure is not null)
        {
            return run.Failure;
        }

        var result = ParseFirstObject(run.Output);
        var error = ErrorText(result) ?? (run.Go.Succeeded && result is not null ? null : FirstNonEmpty(run.Go.Error, run.Go.Output));
        var version = StringProperty(result, "Version");
        if (error is not null || version is null)
        {
            return Failed(query, modulePath, null, error ?? "go list named no version", lease.Folder);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("Version", version);
            if (StringProperty(result, "Time") is { } when)
            {
                writer.WriteString("Time", when);
            }

            writer.WriteEndObject();
        }

        return Small(buffer.ToArray());
    }

    private async Task<(GoRun Go, string Output, UpstreamResponse? Failure)> RunGoAsync(DirectWorkspaces.Workspace folder, string modulePath, string[] arguments, CancellationToken cancellationToken)
    {
        var command = string.Join(' ', arguments);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        GoRun run;
        try
        {
            var environment = BuildEnvironment(folder, modulePath);
            run = await GoProcess.RunAsync(_goBinary, arguments, folder.Work, environment, _options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            Log.GoFailed(_logger, command, $"{_goBinary}: {ex.Message}");
            var missing = new GoRun(-1, "", ex.Message, false, TimeSpan.Zero);
            return (missing, "", UpstreamResponse.Failure(OutcomeKind.UpstreamFailed, SourceName,
                "direct needs the go command, which is missing on this service: apt-get install golang-go, or set ModMesh:Direct:GoBinary"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A credential's secret file or the run's home folder could not be written or read.
            Log.GoFailed(_logger, command, ex.Message);
            var failed = new GoRun(-1, "", ex.Message, false, TimeSpan.Zero);
            return (failed, "", UpstreamResponse.Failure(OutcomeKind.UpstreamFailed, SourceName, $"{ClientText.Escape(modulePath)}: version control error (the service could not prepare the fetch)"));
        }
        finally
        {
            _slots.Release();
        }

        if (run.TimedOut)
        {
            FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", "timeout"), new KeyValuePair<string, object?>("source", SourceName));
            Log.GoTimedOut(_logger, command, _options.Timeout.TotalSeconds);
            return (run, "", UpstreamResponse.Failure(OutcomeKind.UpstreamTimeout, SourceName,
                $"{ClientText.Escape(modulePath)}: timeout (version control did not answer within {_options.Timeout.TotalSeconds:0.#} s; direct did not finish)"));
        }

        Log.GoRan(_logger, command, run.ExitCode, run.Elapsed.TotalMilliseconds);
        return (run, run.Output, null);
    }

    /// <summary>The go process's variables for a run of <paramref name="modulePath"/> (its files are written into the folder's home).</summary>
    internal Dictionary<string, string> BuildEnvironment(DirectWorkspaces.Workspace folder, string modulePath)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = folder.Home,
            ["GOPATH"] = folder.GoPath,
            ["GOMODCACHE"] = folder.ModCache,
            ["GOCACHE"] = folder.GoCache,
            ["GOENV"] = "off",
            ["GOPROXY"] = "direct",
            // The fill's own verification policy applies to what comes back; go asks no checksum database.
            ["GOSUMDB"] = "off",
            ["GONOSUMDB"] = "*",
            // Which paths go treats as private decides which GOVCS clause applies; nothing is looked up anywhere else
            // (GOPROXY is direct, GOSUMDB off).
            ["GOPRIVATE"] = _private,
            ["GOVCS"] = _options.Vcs,
            ["GOINSECURE"] = _options.Insecure,
            ["GOFLAGS"] = "-mod=mod",
            ["GO111MODULE"] = "on",
            ["GOTOOLCHAIN"] = "local",
            ["GOWORK"] = "off",
            ["CGO_ENABLED"] = "0",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GCM_INTERACTIVE"] = "never",
        };
        var mapping = _mappings.Find(modulePath);
        _setup.Apply(folder, modulePath, mapping, mapping is null ? null : _discovery?.ProxyUrl, environment);
        return environment;
    }

    private UpstreamResponse Failed(string query, string modulePath, string? version, string error, DirectWorkspaces.Workspace folder)
    {
        var detail = Clean(error.Replace(folder.Root, "$WORK", StringComparison.Ordinal));
        var (status, reason) = Describe(detail, modulePath, version);
        FetcherTelemetry.UpstreamRequests.Add(1, new KeyValuePair<string, object?>("status", status == OutcomeKind.NotFound ? 404 : 500), new KeyValuePair<string, object?>("source", SourceName));
        // go's and git's own words (repository URLs, folders, addresses) go to the log only; the client gets the
        // query it sent and a reason from a fixed list.
        if (status == OutcomeKind.NotFound)
        {
            Log.GoNotFound(_logger, query, detail);
        }
        else
        {
            Log.GoFailed(_logger, query, detail);
        }

        var kind = status == OutcomeKind.NotFound ? "not found" : "version control error";
        return UpstreamResponse.Failure(status, SourceName, $"{ClientText.Escape(query)}: {kind}: {reason}");
    }

    /// <summary>
    /// Sorts a go error into "not found" (the version, query or repository does not exist: the next entry may be
    /// asked, the answer is 404) and other failures (network, credentials…: an error, never cached as absent).
    /// </summary>
    internal static OutcomeKind Classify(string message, string modulePath, string? version) => Describe(message, modulePath, version).Kind;

    /// <summary>
    /// <see cref="Classify"/> and a short reason for the client, chosen from a fixed list: never go's or git's own
    /// text, which names repository URLs, hosts, addresses and folders.
    /// </summary>
    internal static (OutcomeKind Kind, string Reason) Describe(string message, string modulePath, string? version)
    {
        // The module path and version themselves say nothing (a module may be called ".../proxy" or ".../tls").
        var text = message.Replace(modulePath, "", StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(version))
        {
            text = text.Replace(version, "", StringComparison.Ordinal);
        }

        text = text.ToLowerInvariant();
        foreach (var (markers, reason) in Failures)
        {
            if (markers.Any(t => text.Contains(t, StringComparison.Ordinal)))
            {
                return (OutcomeKind.UpstreamFailed, reason);
            }
        }

        foreach (var (markers, reason) in Absences)
        {
            if (markers.Any(t => text.Contains(t, StringComparison.Ordinal)))
            {
                return (OutcomeKind.NotFound, reason);
            }
        }

        return (OutcomeKind.UpstreamFailed, "the go command failed (the details are in the service's log)");
    }

    private static readonly (string[] Markers, string Reason)[] Failures =
    [
        (["could not resolve host", "connection refused", "connection timed out", "operation timed out", "i/o timeout",
          "network is unreachable", "no route to host", "connection reset", "early eof", "rpc failed", "temporary failure",
          "unexpected disconnect", "connection closed"], "the repository could not be reached"),
        (["ssl certificate", "tls handshake", "gnutls", "certificate verify", "x509:"], "TLS error"),
        (["502 bad gateway", "503 service unavailable", "504 gateway", "500 internal server error", "returned error: 5"], "the repository host answered with a server error"),
        (["permission denied", "authentication failed", "returned error: 401", "returned error: 403", "host key verification failed"], "access denied"),
        (["no space left on device", "too many open files"], "the service ran out of resources"),
    ];

    private static readonly (string[] Markers, string Reason)[] Absences =
    [
        (["unknown revision"], "unknown revision"),
        (["invalid pseudo-version"], "invalid pseudo-version"),
        (["no matching versions"], "no matching versions"),
        (["module declares its path as"], "the module's go.mod declares another path"),
        (["disallowed version string"], "disallowed version string"),
        (["malformed module path"], "malformed module path"),
        (["does not appear to be a git repository", "repository not found", "unrecognized import path", "404 not found", "410 gone",
          "terminal prompts disabled", "could not read username", "no go-import meta tags", "disagree about go-import"], "no such repository"),
        (["invalid version"], "invalid version"),
        (["not found"], "not found"),
    ];

    private static JsonElement? ParseFirstObject(string output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true });
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    using var document = JsonDocument.ParseValue(ref reader);
                    return document.RootElement.Clone();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the caller falls back to standard error.
        }

        return null;
    }

    /// <summary>The "Error" of go's -json output: a string (go mod download) or {"Err": "..."} (go list -m).</summary>
    private static string? ErrorText(JsonElement? result)
    {
        if (result is not { } element || !element.TryGetProperty("Error", out var error))
        {
            return null;
        }

        return error.ValueKind switch
        {
            JsonValueKind.String => error.GetString(),
            JsonValueKind.Object when error.TryGetProperty("Err", out var err) && err.ValueKind == JsonValueKind.String => err.GetString(),
            JsonValueKind.Null => null,
            _ => error.GetRawText(),
        };
    }

    private static string? StringProperty(JsonElement? result, string name) =>
        result is { } element && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string FirstNonEmpty(string first, string second) =>
        !string.IsNullOrWhiteSpace(first) ? first : !string.IsNullOrWhiteSpace(second) ? second : "the go command failed without a message";

    private static string Clean(string text)
    {
        // Credentials an operator put in a rewritten URL (https://user:token@host/…) never reach a client.
        var cleaned = UserInfo().Replace(text, "$1");
        cleaned = new string(cleaned.Trim().Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        while (cleaned.Contains("  ", StringComparison.Ordinal))
        {
            cleaned = cleaned.Replace("  ", " ", StringComparison.Ordinal);
        }

        return cleaned.Length <= MaxMessageChars ? cleaned : cleaned[..MaxMessageChars] + "…";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")]
    private static partial System.Text.RegularExpressions.Regex UserInfo();

    private static UpstreamResponse Small(byte[] bytes)
    {
        var stream = new MemoryStream(bytes, writable: false);
        return UpstreamResponse.Ok(SourceName, stream, bytes.Length, stream);
    }

    private static UpstreamResponse NotFound(string message) => UpstreamResponse.Failure(OutcomeKind.NotFound, SourceName, message);

    public void Dispose()
    {
        _discovery?.Dispose();
        _workspaces.Dispose();
        _slots.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2301, Level = LogLevel.Debug, Message = "direct: go {Command} exited with {ExitCode} after {Milliseconds:0.0} ms")]
        public static partial void GoRan(ILogger logger, string command, int exitCode, double milliseconds);

        [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "direct: {Query} failed: {Reason}")]
        public static partial void GoFailed(ILogger logger, string query, string reason);

        [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "direct: go {Command} was killed after {Seconds:0.#} s")]
        public static partial void GoTimedOut(ILogger logger, string command, double seconds);

        [LoggerMessage(EventId = 2313, Level = LogLevel.Information, Message = "direct: {Query} not found: {Reason}")]
        public static partial void GoNotFound(ILogger logger, string query, string reason);

        [LoggerMessage(EventId = 2314, Level = LogLevel.Information, Message = "direct: {ModulePath} is outside ModMesh:Direct:Patterns; no go process started")]
        public static partial void NotAllowed(ILogger logger, string modulePath);
    }
}
