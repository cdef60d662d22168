namespace Billing.Features.Observability;

/// <summary>Section <c>Monitoring</c>: where telemetry goes and who may read it.</summary>
public sealed class MonitoringOptions
{
    public const string Section = "Monitoring";

    /// <summary>
    /// OTLP collector (http://collector:4317). Empty: no OTLP export, unless the standard OTEL_EXPORTER_OTLP_ENDPOINT
    /// is set, which the exporter reads itself.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// /metrics answers without a login (true by default): Prometheus scrapes without credentials and the series hold
    /// counts and timings only, no personal data. Set false where the scrape goes through an authenticated proxy.
    /// </summary>
    public bool MetricsAnonymous { get; set; } = true;

    /// <summary>
    /// Worker role only: addresses (semicolon-separated, http://0.0.0.0:9464) of a small listener serving the worker's
    /// /health/live, /health/ready and /metrics. Empty (the default): the worker opens no port.
    /// </summary>
    public string? WorkerUrls { get; set; }

    public bool OtlpConfigured =>
        !string.IsNullOrWhiteSpace(OtlpEndpoint) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
}
