using System.Diagnostics;
using OpenTelemetry;

namespace ModMesh.ServiceDefaults.Tracing;

/// <summary>
/// Clears the error status of client spans this service cancelled on purpose (<see cref="TracingRules.MarkAbandoned"/>):
/// runs when a span ends, after the HTTP instrumentation set its status, and before the exporter's processor.
/// </summary>
internal sealed class AbandonedRequestProcessor : BaseProcessor<Activity>
{
    /// <inheritdoc />
    public override void OnEnd(Activity data) => TracingRules.JudgeEnded(data);
}
