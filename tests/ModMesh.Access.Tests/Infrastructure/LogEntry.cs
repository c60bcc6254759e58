using Microsoft.Extensions.Logging;

namespace ModMesh.Access.Tests.Infrastructure;

/// <summary>One entry a <see cref="RecordingLogger{T}"/> kept.</summary>
internal sealed record LogEntry(LogLevel Level, int EventId, string Message, Exception? Exception);
