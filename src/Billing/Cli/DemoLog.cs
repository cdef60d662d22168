using Serilog;

namespace Billing.Cli;

/// <summary>
/// Where the demo's service logs go: a file under <c>.stack/logs</c>, not the console, which shows progress bars and
/// result tables only. Expected races, retries and warnings are still all there for whoever wants to read them.
/// </summary>
public sealed class DemoLog : IDisposable
{
    readonly Serilog.Core.Logger _logger;

    DemoLog(string path)
    {
        Path = path;
        _logger = new LoggerConfiguration()
            .MinimumLevel.Verbose() // the Logging:LogLevel settings filter first, as for any provider
            .WriteTo.File(path, outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
    }

    public string Path { get; }

    /// <summary>A new file named after the time the run started, in <c>.stack/logs</c> under the working directory.</summary>
    public static DemoLog Start()
    {
        var directory = System.IO.Path.Combine(Directory.GetCurrentDirectory(), ".stack", "logs");
        Directory.CreateDirectory(directory);
        return new DemoLog(System.IO.Path.Combine(directory, $"demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log"));
    }

    /// <summary>
    /// Replaces the console logger with this file. A plain provider, not AddSerilog: that one also adds a Trace-level rule
    /// for itself, which overrides the Logging:LogLevel settings and wrote every EF command of a run to the file.
    /// </summary>
    public void Use(ILoggingBuilder logging) => logging.ClearProviders().AddProvider(new Serilog.Extensions.Logging.SerilogLoggerProvider(_logger));

    public void Dispose() => _logger.Dispose();
}
