using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Billing.Features.Observability;

/// <summary>
/// Metrics and traces through OpenTelemetry, and logs that carry the trace: the same for the API and the worker.
/// Metrics: the Billing meter, MassTransit's, Npgsql's, ASP.NET Core's (API and the worker's listener), HttpClient's
/// and the runtime's; scraped at /metrics and pushed over OTLP when a collector is configured. Traces only go over
/// OTLP, so without a collector none are recorded.
/// </summary>
public static class ObservabilityRegistration
{
    public const string ServiceName = "billing";

    /// <param name="role">"api" or "worker": the resource attribute <c>service.role</c>, to tell the series apart.</param>
    public static IHostApplicationBuilder AddBillingObservability(this IHostApplicationBuilder builder, string role)
    {
        var section = builder.Configuration.GetSection(MonitoringOptions.Section);
        builder.Services.Configure<MonitoringOptions>(section);
        var monitoring = section.Get<MonitoringOptions>() ?? new MonitoringOptions();

        // Trace ids on every log line's scope; the JSON console writes them as fields (Scopes[0].TraceId).
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });

        var web = builder is WebApplicationBuilder;
        var otlp = monitoring.OtlpConfigured;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}")
                .AddAttributes([new("service.role", role)]))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(BillingMetrics.MeterName, "MassTransit")
                    .AddNpgsqlInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    // Kestrel's and hosting's meters: the API's, and the worker's small listener when it has one.
                    .AddAspNetCoreInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                    metrics.AddOtlpExporter(o => Endpoint(o, monitoring));
            });
        if (otlp)
            builder.Services.AddOpenTelemetry().WithTracing(tracing =>
            {
                tracing.AddSource("MassTransit").AddNpgsql().AddHttpClientInstrumentation().AddOtlpExporter(o => Endpoint(o, monitoring));
                if (web)
                    tracing.AddAspNetCoreInstrumentation(o => o.Filter = http => !IsMonitoring(http.Request.Path));
            });
        return builder;
    }

    static void Endpoint(OpenTelemetry.Exporter.OtlpExporterOptions options, MonitoringOptions monitoring)
    {
        // Without our setting the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _PROTOCOL, _HEADERS) itself.
        if (!string.IsNullOrWhiteSpace(monitoring.OtlpEndpoint))
            options.Endpoint = new Uri(monitoring.OtlpEndpoint);
    }

    /// <summary>Health and scrape requests: not traced (a probe every few seconds is noise, not a trace).</summary>
    static bool IsMonitoring(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    /// <summary>
    /// /health/live, /health/ready and /metrics, open to anyone (see <see cref="MonitoringOptions.MetricsAnonymous"/>),
    /// outside the OpenAPI document (they are probes, not the API).
    /// </summary>
    public static IEndpointRouteBuilder MapMonitoring(this IEndpointRouteBuilder app)
    {
        app.MapHealthEndpoints();
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MonitoringOptions>>().Value.MetricsAnonymous)
            metrics.AllowAnonymous();
        return app;
    }
}
