using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// Everything a running app logs from now on, under the app's own log filters (what its console would print), so a
/// test can say that a hostile request left no exception or error in the log.
/// </summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> entries = new();

    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}: {Message}{(Exception is null ? "" : " " + Exception.GetType().Name)}";
    }

    /// <summary>Starts capturing what <paramref name="app"/> logs (starting the app if it has not started).</summary>
    public static CapturedLog Of(BroadsheetFactory app)
    {
        var log = new CapturedLog();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        return log;
    }

    public IReadOnlyCollection<Entry> Entries => entries;

    /// <summary>Entries that carry an exception (a stack trace in the log) or are errors.</summary>
    public IEnumerable<Entry> Failures => entries.Where(e => e.Exception is not null || e.Level >= LogLevel.Error);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
    }
}
