using Billing.Features.BillingRuns;
using Billing.Features.Ledger;
using Billing.Features.Scheduling;
using Billing.Hosting;
using Billing.Tests.Support;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Tests.Hosting;

/// <summary>
/// A worker that starts while Postgres restarts (the chaos billing run, issue 18): the start waits Postgres out, and a
/// start that fails all the same stops what it had started before the container is disposed.
/// </summary>
public class FailedStartTests
{
    [Fact]
    public async Task A_start_that_fails_stops_the_services_started_before_it_before_disposing_them()
    {
        var consumer = new Recorder();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(consumer);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Recorder>());
        builder.Services.AddHostedService<FailingStart>();
        using var host = builder.Build();

        await Should.ThrowAsync<InvalidOperationException>(() => host.RunStoppingWhatStarted(CancellationToken.None));

        consumer.Events.ShouldBe(["started", "stopped", "disposed"]);
    }

    [Theory]
    [InlineData("postgres restarting")]
    [InlineData("a dead worker's job lock")]
    public async Task Recurring_jobs_are_declared_in_the_background_once_the_failure_passes_without_holding_up_the_start(string failure)
    {
        Exception passing = failure == "postgres restarting"
            ? new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")
            : new Hangfire.Storage.DistributedLockTimeoutException("hangfire:lock:recurring-job:refund-reconciler");
        var jobs = new JobsAfterRestart(failures: 3, passing);
        var declaration = new RecurringJobsDeclaration(jobs, Options.Create(new RefundReconcilerOptions()),
            Options.Create(new RefundJanitorOptions()), Options.Create(new SupportDigestOptions()),
            Options.Create(new BillingRunOptions()), Options.Create(new LedgerAuditOptions()), NullLogger<RecurringJobsDeclaration>.Instance);

        var started = declaration.StartAsync(CancellationToken.None);

        started.IsCompleted.ShouldBeTrue("the worker's start does not wait for the declaration");
        await Eventually.Until("the recurring jobs declared", () => jobs.Declared == 5, TimeSpan.FromSeconds(20));
        await declaration.StopAsync(CancellationToken.None);
    }

    sealed class Recorder : IHostedService, IDisposable
    {
        public List<string> Events { get; } = [];
        public Task StartAsync(CancellationToken cancellationToken) { Events.Add("started"); return Task.CompletedTask; }
        public Task StopAsync(CancellationToken cancellationToken) { Events.Add("stopped"); return Task.CompletedTask; }
        public void Dispose() => Events.Add("disposed");
    }

    sealed class FailingStart : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("Postgres went away");
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>What Hangfire's storage throws a few times (Postgres restarting, a lock a killed worker left), then it answers.</summary>
    sealed class JobsAfterRestart(int failures, Exception failure) : IRecurringJobManager
    {
        int _failures = failures;
        int _declared;
        public int Declared => Volatile.Read(ref _declared);

        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options)
        {
            if (Interlocked.Decrement(ref _failures) >= 0)
                throw failure;
            Interlocked.Increment(ref _declared);
        }

        public void Trigger(string recurringJobId) => throw new NotSupportedException();
        public void RemoveIfExists(string recurringJobId) => throw new NotSupportedException();
    }
}
