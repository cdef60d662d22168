using System.Diagnostics;
using Billing.Features.StatementPdfs;
using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Billing.Features.Observability;

/// <summary>Ready when Hangfire's storage answers (its server list: one query on the hangfire schema).</summary>
public sealed class HangfireStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Hangfire's monitoring API is synchronous.
            var servers = await Task.Run(() => storage.GetMonitoringApi().Servers(), cancellationToken);
            return HealthCheckResult.Healthy($"{servers.Count} Hangfire server(s)", new Dictionary<string, object> { ["servers"] = servers.Count });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Hangfire's storage does not answer", e);
        }
    }
}

/// <summary>
/// Whether the configured Chromium starts (<c>--version</c>). The answer is kept for a while: starting a browser per
/// probe would cost more than the probe is worth.
/// </summary>
public sealed class ChromiumExecutable(IConfiguration configuration, TimeProvider clock, ILogger<ChromiumExecutable> logger)
{
    static readonly TimeSpan KeepSuccess = TimeSpan.FromMinutes(5);
    static readonly TimeSpan KeepFailure = TimeSpan.FromSeconds(30);

    readonly SemaphoreSlim _gate = new(1, 1);
    (DateTimeOffset At, string? Version, string? Error)? _last;

    public string Path => configuration[$"{StatementPdfOptions.Section}:{nameof(StatementPdfOptions.ChromiumPath)}"] ?? new StatementPdfOptions().ChromiumPath;

    /// <returns>The browser's version line, or the reason it did not start.</returns>
    public async Task<(string? Version, string? Error)> Probe(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (_last is { } last && now - last.At < (last.Error is null ? KeepSuccess : KeepFailure))
                return (last.Version, last.Error);
            var (version, error) = await Run(cancellationToken);
            if (error is not null)
                logger.LogWarning("Chromium at {ChromiumPath} does not start: {Error}", Path, error);
            _last = (now, version, error);
            return (version, error);
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task<(string? Version, string? Error)> Run(CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Path, "--version")
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(4));
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return process.ExitCode == 0 ? ((await output).Trim(), null) : (null, $"exit code {process.ExitCode}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (null, e.GetType().Name);
        }
    }
}

/// <summary>API role: it prints nothing, so it is ready when the browser the workers use can start on this host.</summary>
public sealed class ChromiumExecutableHealthCheck(ChromiumExecutable chromium) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (version, error) = await chromium.Probe(cancellationToken);
        return error is null
            ? HealthCheckResult.Healthy(version)
            : HealthCheckResult.Unhealthy($"Chromium does not start ({error})");
    }
}

/// <summary>
/// Worker role: the browser starts, and the pool's state. The pool launches its browsers on the first print and
/// relaunches one that dies, so no browser running yet is healthy.
/// </summary>
internal sealed class ChromiumPoolHealthCheck(ChromiumExecutable chromium, ChromiumPool pool) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (version, error) = await chromium.Probe(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["browsers"] = pool.BrowserProcessIds.Count,
            ["launches"] = pool.Launches,
            ["prints"] = pool.Prints,
            ["printsInFlight"] = pool.PrintsInFlight,
        };
        return error is null
            ? HealthCheckResult.Healthy(version, data)
            : HealthCheckResult.Unhealthy($"Chromium does not start ({error})", data: data);
    }
}

/// <summary>Worker: always healthy; says which roles this worker runs (<c>--only</c> / <c>--except</c>), for whoever reads /health/ready.</summary>
internal sealed class WorkerRolesHealthCheck(Billing.Hosting.WorkerRoles roles) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(roles.ToString(), new Dictionary<string, object> { ["roles"] = roles.Names.ToArray() }));
}
