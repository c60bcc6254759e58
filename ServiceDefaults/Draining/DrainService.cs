using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModMesh.ServiceDefaults.Draining;

/// <summary>
/// Runs the drain in <see cref="IHostedLifecycleService.StoppingAsync"/>, which the host calls before it stops any
/// hosted service (Kestrel included): flip <see cref="IsDraining"/> (readiness now fails), start the
/// <see cref="IDrainParticipant"/>s, keep serving for the drain delay, then let the host stop Kestrel, which finishes
/// the requests in flight within the shutdown timeout.
/// </summary>
internal sealed partial class DrainService(
    IOptions<DrainOptions> options,
    IHostEnvironment environment,
    IEnumerable<IDrainParticipant> participants,
    TimeProvider timeProvider,
    ILogger<DrainService> logger) : IDrainState, IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _drainStarted = new();
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public CancellationToken DrainStarted => _drainStarted.Token;

    public TimeSpan Delay => options.Value.Delay ?? DrainOptions.DefaultDelay(environment.IsDevelopment());

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_draining)
        {
            return;
        }

        var delay = Delay;
        _draining = true;
        Log.DrainStarted(logger, delay);
        await _drainStarted.CancelAsync().ConfigureAwait(false);

        var work = new List<Task>();
        foreach (var participant in participants)
        {
            work.Add(RunParticipantAsync(participant, cancellationToken));
        }

        if (delay > TimeSpan.Zero)
        {
            work.Add(Task.Delay(delay, timeProvider, cancellationToken));
        }

        try
        {
            await Task.WhenAll(work).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The shutdown timeout ran out: stop now.
        }

        Log.DrainDelayFinished(logger);
    }

    private async Task RunParticipantAsync(IDrainParticipant participant, CancellationToken cancellationToken)
    {
        try
        {
            await participant.DrainStartedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ParticipantFailed(logger, participant.GetType().Name, ex);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _drainStarted.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventIds.DrainStarted, LogLevel.Information,
            "Draining: /health/ready now fails; serving for {Delay} more before the server stops.")]
        public static partial void DrainStarted(ILogger logger, TimeSpan delay);

        [LoggerMessage(EventIds.DrainDelayFinished, LogLevel.Information,
            "Drain delay over: stopping the server; requests in flight finish within the shutdown timeout.")]
        public static partial void DrainDelayFinished(ILogger logger);

        [LoggerMessage(EventIds.DrainParticipantFailed, LogLevel.Warning, "Drain participant {Participant} failed.")]
        public static partial void ParticipantFailed(ILogger logger, string participant, Exception exception);
    }
}
