using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Protocol;

namespace ModMesh.Fetcher.Queueing;

/// <summary>
/// The fetcher's loop: takes fill jobs (abandoned ones first), fills each under its version lock, acknowledges it
/// when the fill has ended. A job is acknowledged only after its outcome was published, so a fetcher that dies
/// mid-fill leaves the job pending, and another fetcher reclaims it: at once when its heartbeat (kept from start to
/// stop, see <see cref="IFillQueue.StartHeartbeatAsync"/>) is gone, after ReclaimAfter otherwise. The trace of the node that asked continues here.
/// </summary>
internal sealed partial class FillJobConsumer(
    IFillQueue queue,
    ModuleFiller filler,
    IOptions<FillJobConsumerOptions> options,
    ILogger<FillJobConsumer> logger) : BackgroundService
{
    private readonly FillJobConsumerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumer = string.IsNullOrWhiteSpace(_options.ConsumerName) ? $"{Environment.MachineName}-{Environment.ProcessId}" : _options.ConsumerName;
        using var slots = new SemaphoreSlim(Math.Max(1, _options.Concurrency));
        var running = new List<Task>();
        // Alive until every running job ended: if this process dies, another fetcher takes its jobs within seconds.
        await using var heartbeat = await queue.StartHeartbeatAsync(consumer, stoppingToken).ConfigureAwait(false);
        Log.Started(logger, consumer, _options.Concurrency);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                // Take every free slot, and ask the queue for that many jobs.
                var free = 1;
                while (slots.Wait(0))
                {
                    free++;
                }

                IReadOnlyList<FillJobDelivery> deliveries;
                try
                {
                    deliveries = await queue.ReadAsync(consumer, free, _options.PollWait, _options.ReclaimAfter, stoppingToken).ConfigureAwait(false);
                }
                catch
                {
                    slots.Release(free);
                    throw;
                }

                if (free > deliveries.Count)
                {
                    slots.Release(free - deliveries.Count);
                }

                foreach (var delivery in deliveries)
                {
                    running.Add(RunJobAsync(delivery, slots, stoppingToken));
                }

                running.RemoveAll(t => t.IsCompleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The queue is unreachable (Redis down): wait a little and try again; nothing is lost.
                Log.QueueFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task RunJobAsync(FillJobDelivery delivery, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            var job = delivery.Job;
            // The node's trace continues here; a traceparent that is not well-formed starts a trace of its own.
            FillJobTrace.TryParse(job.TraceParent, out var parent);
            using var activity = FetcherTelemetry.Source.StartActivity(FetcherTelemetry.ProcessSpanName, ActivityKind.Consumer, parent);
            activity.SetModule(job.ModulePath, job.Version)?.SetTag(ModuleTelemetry.FileAttribute, job.File);
            activity?.SetTag("messaging.operation.type", "process");
            activity?.SetTag("messaging.message.id", delivery.Id);
            activity?.SetTag("messaging.delivery_count", delivery.DeliveryCount);
            if (!TryValidate(job, out var request, out var problem))
            {
                // A job that is not what an honest node would enqueue: never filled (a forged module name must not
                // reach an upstream, nor be committed under another name), dropped from the queue.
                FetcherTelemetry.JobsRefused.Add(1);
                Log.JobRefused(logger, delivery.Id, problem);
                await queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            var outcome = await filler.FillAsync(request, stoppingToken).ConfigureAwait(false);
            FetcherTelemetry.JobsDone.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Kind.ToString()), new KeyValuePair<string, object?>("redelivered", delivery.DeliveryCount > 1));
            Log.JobDone(logger, job.ModulePath, job.Version, delivery.DeliveryCount, outcome.Kind);
            await queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the job stays pending and is reclaimed by another fetcher.
        }
        catch (Exception ex)
        {
            Log.JobFailed(logger, delivery.Id, ex);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Re-validates a job read from the queue and derives its request; the job's escaped forms must agree.</summary>
    internal static bool TryValidate(FillJob job, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FillRequest? request, out string problem)
    {
        request = null;
        if (job.ModulePath is null || job.Version is null || job.ModulePath.Length > Protocol.ProxyPathParser.MaxModulePathLength || job.Version.Length > 256)
        {
            problem = "missing or oversized fields";
            return false;
        }

        if (!FillRequest.TryParseFile(job.File, out var file))
        {
            problem = $"unknown file \"{Protocol.ClientText.Escape(job.File ?? "", 16)}\"";
            return false;
        }

        if (!FillRequest.TryCreate(job.ModulePath, job.Version, file, out request, out var error))
        {
            problem = $"invalid module version: {error}";
            return false;
        }

        if (!string.Equals(request.Key.EscapedPath, job.EscapedPath, StringComparison.Ordinal) ||
            !string.Equals(request.Key.EscapedVersion, job.EscapedVersion, StringComparison.Ordinal))
        {
            problem = "its escaped path or version does not match its module path and version";
            request = null;
            return false;
        }

        problem = "";
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2305, Level = LogLevel.Warning, Message = "Fill job {Id} refused: {Problem}")]
        public static partial void JobRefused(ILogger logger, string id, string problem);

        [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "Fetcher {Consumer} takes fill jobs, {Concurrency} at a time")]
        public static partial void Started(ILogger logger, string consumer, int concurrency);

        [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "The fill queue failed: {Reason}")]
        public static partial void QueueFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2303, Level = LogLevel.Information, Message = "Fill job {ModulePath}@{Version} (delivery {Delivery}) ended: {Status}")]
        public static partial void JobDone(ILogger logger, string modulePath, string version, int delivery, OutcomeKind status);

        [LoggerMessage(EventId = 2304, Level = LogLevel.Error, Message = "Fill job {Id} failed")]
        public static partial void JobFailed(ILogger logger, string id, Exception exception);
    }
}
