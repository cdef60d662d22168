using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Billing.Features.Observability;

/// <summary>
/// The worker has no HTTP of its own; with <c>Monitoring:WorkerUrls</c> set it opens a small Kestrel listener serving
/// /health/live, /health/ready (its own checks, the Chromium pool's state among them) and /metrics, backed by the
/// worker's own health checks and meter provider. Nothing else is served there, and nothing is opened when unset.
/// </summary>
public sealed class WorkerMonitoring(IServiceProvider worker, IOptions<MonitoringOptions> options, ILoggerFactory loggerFactory,
    ILogger<WorkerMonitoring> logger) : IHostedService, IAsyncDisposable
{
    WebApplication? _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.WorkerUrls))
            return;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Value.WorkerUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        // The worker's own: the checks it registered and the meter provider its instruments report to.
        builder.Services.AddSingleton(worker.GetRequiredService<HealthCheckService>());
        builder.Services.AddSingleton(worker.GetRequiredService<MeterProvider>());
        builder.Services.AddSingleton(worker.GetRequiredService<IOptions<MonitoringOptions>>());
        _listener = builder.Build();
        _listener.MapHealthEndpoints();
        _listener.MapPrometheusScrapingEndpoint("/metrics");
        await _listener.StartAsync(cancellationToken);
        logger.LogInformation("Worker monitoring listens on {Urls}", string.Join(", ", _listener.Urls));
    }

    /// <summary>The addresses it listens on (a port 0 resolved), empty when off.</summary>
    public IReadOnlyCollection<string> Urls => _listener?.Urls.ToArray() ?? [];

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null)
            await _listener.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
            await _listener.DisposeAsync();
    }
}

public static class WorkerMonitoringRegistration
{
    public static IServiceCollection AddWorkerMonitoring(this IServiceCollection services)
    {
        services.AddSingleton<WorkerMonitoring>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerMonitoring>());
        return services;
    }
}
