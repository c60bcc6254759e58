using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModMesh.Coordination;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Forgetting;

/// <summary>
/// "Forget this version": the <see cref="IClusterNotices"/> a purge or a retention pass sends for every version it
/// deleted, so every node and fetcher drops what it remembers of the version's files (the memory of committed files,
/// the node-local tier) and asks the shared store again. Without it a process would go on serving a deleted version
/// from memory, or (a fetcher) believe it committed and never fill it again. Text form:
/// <c>forget {escaped path}@{escaped version}</c>.
/// </summary>
public static class ForgetNotices
{
    private const string Prefix = "forget ";

    /// <summary>The notice for one version.</summary>
    public static string Format(ModuleVersionKey version) => $"{Prefix}{version.EscapedPath}@{version.EscapedVersion}";

    /// <summary>Reads a notice back; false for anything that is not a well-formed forget notice (checked like a request path).</summary>
    public static bool TryParse(string notice, out ModuleVersionKey version)
    {
        version = default;
        if (!notice.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var body = notice[Prefix.Length..];
        var at = body.LastIndexOf('@');
        if (at <= 0 || at == body.Length - 1)
        {
            return false;
        }

        var escapedPath = body[..at];
        var escapedVersion = body[(at + 1)..];
        if (!CaseEncoding.TryUnescapePath(escapedPath, out var path, out _) || !ModulePath.IsValid(path, out _) ||
            !CaseEncoding.TryUnescapeVersion(escapedVersion, out var unescaped, out _) || !Semver.IsValid(unescaped))
        {
            return false;
        }

        version = new ModuleVersionKey(escapedPath, escapedVersion);
        return true;
    }

    /// <summary>
    /// Registers <see cref="IClusterNotices"/> (see <see cref="ClusterNoticesHostingExtensions.AddClusterNotices"/>)
    /// and the listener that forgets versions named in forget notices.
    /// </summary>
    public static IHostApplicationBuilder AddForgetNotices(this IHostApplicationBuilder builder)
    {
        builder.AddClusterNotices();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ForgetNoticeListener>());
        return builder;
    }
}

/// <summary>Subscribes to the cluster notices at start and forgets the versions named in forget notices (see <see cref="ForgetNotices"/>).</summary>
internal sealed partial class ForgetNoticeListener(IClusterNotices notices, ModuleStore store, ILogger<ForgetNoticeListener> logger) : IHostedService
{
    private IAsyncDisposable? _subscription;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _subscription = await notices.SubscribeAsync(OnNotice, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnNotice(string notice)
    {
        if (!ForgetNotices.TryParse(notice, out var version))
        {
            return; // other kinds of notices are someone else's
        }

        foreach (var file in (ReadOnlySpan<ModuleFile>)[ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip])
        {
            store.Forget(version, file);
        }

        Log.Forgot(logger, version.ToString());
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2701, Level = LogLevel.Debug, Message = "Forgot what this process remembered of {Version} (a purge or retention deleted it)")]
        public static partial void Forgot(ILogger logger, string version);
    }
}
