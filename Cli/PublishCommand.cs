using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModMesh.Protocol;
using ModMesh.Protocol.Zip;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh publish</c>: zips a module root as the go command would (<see cref="ModuleZipWriter"/>) into a temporary
/// file, checks the zip as a downloader will (<see cref="ModuleZip.Inspect"/>), prints its h1: hash, and uploads it
/// with <c>PUT {proxy}/{escaped module}/@v/{escaped version}.zip</c>.
/// </summary>
internal static class PublishCommand
{
    public const string TokenVariable = "MODMESH_TOKEN";

    private const int MaxBodyShown = 500;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var parsed = Arguments.Parse(args, ["proxy", "token", "dir", "module", "output"], ["dry-run"]);
        var version = parsed.ExpectPositional(1, "version (e.g. v1.2.3)")[0];
        var dryRun = parsed.Flag("dry-run");
        var directory = parsed.Option("dir") ?? ".";
        var proxy = dryRun ? parsed.Option("proxy") : parsed.RequireOption("proxy", "gateway URL");
        var token = parsed.Option("token") ?? context.GetEnvironmentVariable(TokenVariable);
        Uri? proxyUri = null;
        if (proxy is not null && (!Uri.TryCreate(proxy, UriKind.Absolute, out proxyUri) || proxyUri.Scheme is not ("http" or "https")))
        {
            throw new UsageException($"--proxy '{proxy}' is not an http:// or https:// URL");
        }

        if (!dryRun && string.IsNullOrEmpty(token))
        {
            throw new UsageException($"a token is required: --token <token> or the {TokenVariable} environment variable");
        }

        if (!Semver.IsCanonical(version))
        {
            var canonical = Semver.Canonical(version);
            throw new UsageException(canonical.Length == 0
                ? $"'{version}' is not a semantic version (e.g. v1.2.3)"
                : $"'{version}' is not a canonical version; use {canonical}");
        }

        if (!Directory.Exists(directory))
        {
            context.Error.WriteLine($"modmesh: no such directory: {directory}");
            return ExitCodes.Failure;
        }

        var modulePath = ModulePathOf(directory, parsed.Option("module"));
        if (!ModulePath.IsValidModuleVersion(modulePath, version, out var moduleError))
        {
            context.Error.WriteLine($"modmesh: cannot publish {modulePath}@{version}: {moduleError}");
            return ExitCodes.Failure;
        }

        var output = parsed.Option("output");
        // Always in the temporary folder, never beside --output: that may be inside the tree being zipped.
        var zipPath = Path.Combine(Path.GetTempPath(), $"modmesh-publish-{Guid.NewGuid():N}.zip");
        try
        {
            await using (var zip = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920))
            {
                ModuleZipCreated created;
                try
                {
                    created = ModuleZipWriter.Create(zip, modulePath, version, directory, cancellationToken);
                }
                catch (ModuleZipCreateException ex)
                {
                    await context.Error.WriteLineAsync($"modmesh: {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                // The zip must pass the checks every go command (and the proxy) applies, with the same hash.
                zip.Position = 0;
                var report = ModuleZip.Inspect(zip, modulePath, version);
                if (!report.IsValid || report.Hash != created.Hash)
                {
                    await context.Error.WriteLineAsync($"modmesh: the zip made from {directory} does not pass the module zip checks: {report.Problem ?? "hash differs"}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                var listing = created.Listing;
                await context.Out.WriteLineAsync(
                    $"{modulePath}@{version}: {listing.Files.Count} file(s), {listing.Omitted.Count} left out, {created.ZipBytes} bytes zipped").ConfigureAwait(false);
                await context.Out.WriteLineAsync(created.Hash).ConfigureAwait(false);
                if (dryRun)
                {
                    await context.Out.WriteLineAsync("dry run: nothing uploaded").ConfigureAwait(false);
                }
                else
                {
                    zip.Position = 0;
                    var exit = await UploadAsync(proxyUri!, token!, modulePath, version, zip, created.Hash, context, cancellationToken).ConfigureAwait(false);
                    if (exit != ExitCodes.Success)
                    {
                        return exit;
                    }
                }
            }

            if (output is not null)
            {
                File.Move(zipPath, output, overwrite: true);
                await context.Error.WriteLineAsync($"zip written to {output}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }
        finally
        {
            if (File.Exists(zipPath))
            {
                File.Delete(zipPath);
            }
        }
    }

    /// <summary>The module path: go.mod's module directive, or --module when there is no go.mod.</summary>
    private static string ModulePathOf(string directory, string? moduleOption)
    {
        var goModPath = Path.Combine(directory, "go.mod");
        if (!File.Exists(goModPath))
        {
            return moduleOption ?? throw new UsageException($"{goModPath} does not exist: give the module path with --module");
        }

        var declared = GoModFile.ModulePathOf(File.ReadAllBytes(goModPath));
        if (moduleOption is not null)
        {
            throw new UsageException($"--module is only for a module without go.mod; {goModPath} declares {declared ?? "no module"}");
        }

        return declared ?? throw new UsageException($"{goModPath} has no module directive");
    }

    private static async Task<int> UploadAsync(Uri proxy, string token, string modulePath, string version, Stream zip, string hash, CliContext context, CancellationToken cancellationToken)
    {
        CaseEncoding.TryEscapePath(modulePath, out var escapedPath, out _);
        CaseEncoding.TryEscapeVersion(version, out var escapedVersion, out _);
        var url = new Uri(proxy.AbsoluteUri.TrimEnd('/') + "/" + escapedPath + "/@v/" + escapedVersion + ".zip");
        var what = $"{modulePath}@{version}";

        if (proxy.Scheme == Uri.UriSchemeHttp && !proxy.IsLoopback)
        {
            await context.Error.WriteLineAsync($"warning: {proxy} is plain http: the token travels unencrypted").ConfigureAwait(false);
        }

        // No redirects: a redirected upload would go somewhere the user did not name, and without its token.
        using var client = context.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }, disposeHandler: true);
        client.Timeout = TimeSpan.FromMinutes(30);
        using var request = new HttpRequestMessage(HttpMethod.Put, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Content = new StreamContent(zip);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        request.Content.Headers.ContentLength = zip.Length;

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            await context.Error.WriteLineAsync($"failed: cannot upload {what} to {proxy}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"failed: the upload of {what} to {proxy} timed out").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        using (response)
        {
            var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
            var said = body.Length > 0 ? $": {body}" : "";
            var (exit, line) = response.StatusCode switch
            {
                HttpStatusCode.Created => (ExitCodes.Success, $"published {what} {hash}"),
                HttpStatusCode.OK => (ExitCodes.Success, $"already published: {what} has exactly this content {hash}"),
                HttpStatusCode.Conflict => (ExitCodes.Conflict, $"refused: {what} is already published with different content (versions cannot change; publish a new version){said}"),
                HttpStatusCode.Unauthorized => (ExitCodes.Denied, $"refused: the proxy did not accept the token (401; unknown, revoked or expired){said}"),
                HttpStatusCode.Forbidden => (ExitCodes.Denied, $"refused: the token may not publish {modulePath} (403){said}"),
                HttpStatusCode.BadRequest => (ExitCodes.Rejected, $"refused: the proxy rejected the zip of {what} (400){said}"),
                HttpStatusCode.NotFound => (ExitCodes.NotPublishable, $"refused: {modulePath} is not a module path this proxy publishes (404){said}"),
                _ => (ExitCodes.Failure, $"failed: unexpected answer {(int)response.StatusCode} {response.ReasonPhrase} to the upload of {what}{said}"),
            };
            await (exit == ExitCodes.Success ? context.Out : context.Error).WriteLineAsync(line).ConfigureAwait(false);
            return exit;
        }
    }

    /// <summary>The start of the answer's body on one line, control characters escaped (a hostile server cannot paint the terminal).</summary>
    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[4 * MaxBodyShown];
        var read = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }
        }
        catch (HttpRequestException)
        {
            // A body cut short: show what came.
        }
        catch (IOException)
        {
        }

        return ClientText.Escape(Encoding.UTF8.GetString(buffer, 0, read).Trim(), MaxBodyShown);
    }
}
