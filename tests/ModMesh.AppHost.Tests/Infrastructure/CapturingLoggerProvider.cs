using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ModMesh.AppHost.Tests.Infrastructure;

/// <summary>
/// Keeps the AppHost's log lines (its own, DCP's and every resource's console output, which the testing builder
/// forwards as "….Resources.{name}" loggers) in a ring buffer for assertion messages.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private const int Capacity = 3000;
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The last <paramref name="count"/> lines, optionally only those whose category contains <paramref name="filter"/>.</summary>
    public string Tail(int count = 150, string? filter = null) =>
        string.Join(Environment.NewLine, _lines.Where(l => filter is null || l.Contains(filter, StringComparison.Ordinal)).TakeLast(count));

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.Now:HH:mm:ss.fff} {logLevel.ToString()[..4]} [{category}] {formatter(state, exception)}";
            if (exception is not null)
            {
                line += " " + exception.GetType().Name + ": " + exception.Message;
            }

            owner.Add(line);
        }
    }
}
