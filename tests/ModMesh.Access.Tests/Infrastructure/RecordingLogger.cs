using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ModMesh.Access.Tests.Infrastructure;

/// <summary>A logger that keeps every entry, for tests that check what was logged (and what never is).</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LogEntry> entries = new();

    public IReadOnlyList<LogEntry> Entries => entries.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        entries.Enqueue(new LogEntry(logLevel, eventId.Id, formatter(state, exception), exception));

    public IReadOnlyList<LogEntry> WithEvent(int eventId) => Entries.Where(e => e.EventId == eventId).ToList();
}
