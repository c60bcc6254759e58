using System.Globalization;
using System.Text.Json;
using ModMesh.Protocol;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh purge module[@version]</c>: removes one version, or every version, of a module from the proxy
/// (<c>DELETE {proxy}/admin/modules/{module}[/@v/{version}]</c>, admins only, audited by the gateway and the node) and
/// prints what was removed. It asks first unless <c>--yes</c>; with no terminal to ask, it refuses without <c>--yes</c>
/// (a script that deletes says so). Exit codes: 0 done (also when nothing was stored), 2 bad command line, 4 refused
/// (401/403), 7 not confirmed, 1 anything else.
/// </summary>
internal static class PurgeCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var parsed = Arguments.Parse(args, ["proxy", "token"], ["yes"]);
        var target = parsed.ExpectPositional(1, "module[@version]")[0];
        var at = target.LastIndexOf('@');
        var modulePath = at > 0 ? target[..at] : target;
        var version = at > 0 ? target[(at + 1)..] : null;
        if (!ModulePath.IsValid(modulePath, out var error) || !CaseEncoding.TryEscapePath(modulePath, out var escapedPath, out error))
        {
            throw new UsageException($"'{modulePath}' is not a module path: {error}");
        }

        var escapedVersion = "";
        if (version is not null && (!Semver.IsCanonical(version) || !CaseEncoding.TryEscapeVersion(version, out escapedVersion, out _)))
        {
            throw new UsageException($"'{version}' is not a canonical version (v1.2.3, v0.0.0-20240101000000-abcdef123456)");
        }

        using var client = AdminClient.Create(parsed, context);
        var what = version is null ? $"every version of {modulePath}" : $"{modulePath}@{version}";
        if (!parsed.Flag("yes"))
        {
            if (context.Confirm is null)
            {
                await context.Error.WriteLineAsync($"modmesh: not purging {what}: no terminal to confirm on; add --yes").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }

            if (!context.Confirm($"Purge {what} from {client.BaseAddress}? The next request fills it again from upstream; a published private version is gone for good."))
            {
                await context.Error.WriteLineAsync("modmesh: not purged").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }
        }

        var relative = version is null ? $"admin/modules/{escapedPath}" : $"admin/modules/{escapedPath}/@v/{escapedVersion}";
        try
        {
            using var response = await client.DeleteAsync(relative, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return await AdminClient.FailedAsync(response, context, cancellationToken).ConfigureAwait(false);
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var root = json.RootElement;
            var versions = root.GetProperty("versions").EnumerateArray().ToList();
            var queries = root.GetProperty("queries").EnumerateArray().Select(q => q.GetString()).ToList();
            if (versions.Count == 0)
            {
                await context.Out.WriteLineAsync($"nothing stored for {what}{(queries.Count > 0 ? $"; removed cached {string.Join(", ", queries)}" : "")}").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            foreach (var v in versions)
            {
                await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"removed {modulePath}@{v.GetProperty("version").GetString()}: {string.Join(", ", v.GetProperty("files").EnumerateArray().Select(f => f.GetString()))} ({v.GetProperty("bytes").GetInt64()} bytes)")).ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"purged {versions.Count} version(s), {root.GetProperty("bytes").GetInt64()} bytes{(queries.Count > 0 ? $"; cached {string.Join(", ", queries)} removed" : "")}")).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"modmesh: the purge could not be done or its answer read: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
