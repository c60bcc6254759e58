using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModMesh.Coordination;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Integrity;

/// <summary>
/// Applies <see cref="IForgetNotices"/> to this process's <see cref="ModuleStore"/>: a file quarantined by any node is
/// dropped from the known-files memory and the local tier here too, so neither a node serves it nor a fetcher takes it
/// for committed.
/// </summary>
internal sealed partial class ForgetNoticeListener(IForgetNotices notices, ModuleStore store, ILogger<ForgetNoticeListener> logger) : IHostedService, IDisposable
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _subscription = notices.Subscribe(store.Forget);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A hint only (see IForgetNotices): the process runs without it rather than not at all.
            Log.SubscribeFailed(logger, ex.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2792, Level = LogLevel.Warning, Message = "Not listening for forget notices (files quarantined elsewhere stay remembered here until evicted): {Reason}")]
        public static partial void SubscribeFailed(ILogger logger, string reason);
    }
}
