using Billing.Features.Ledger;
using Billing.Features.Access;
using Billing.Features.Accounts;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Api;
using Billing.Features.Dashboard;
using Billing.Features.Passbook;
using Billing.Features.Refunds;
using Billing.Features.Refunds.Api;
using Billing.Features.Refunds.Webhooks;
using Billing.Features.Notifications;
using Billing.Features.Observability;
using Billing.Features.Scheduling;
using Billing.Features.StatementDelivery;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using Billing.Features.Support;
using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Messaging.Watchdog;
using Billing.Infrastructure.Persistence;

namespace Billing.Hosting;

/// <summary>Builds the service in one of its roles; every role reads the same configuration.</summary>
public static class BillingHost
{
    /// <summary>The worker role: sagas, consumers, the scheduler, the outbox cleanup and the cron jobs. No HTTP.</summary>
    /// <param name="logging">Where logs go instead of the console (the demo writes them to a file).</param>
    /// <param name="roles">The parts of the work it runs; null: <c>Worker:Only</c> / <c>Worker:Except</c>, all by default.</param>
    /// <exception cref="WorkerRolesException">The configured roles name no valid role set; nothing is built.</exception>
    public static IHost Worker(string[] args, Action<IConfigurationBuilder>? configure = null, Action<ILoggingBuilder>? logging = null,
        WorkerRoles? roles = null)
    {
        var builder = Host.CreateApplicationBuilder(Settings(args));
        configure?.Invoke(builder.Configuration);
        roles ??= WorkerRoles.FromConfiguration(builder.Configuration);
        // Before the caller's logging, so a demo that sends logs to a file replaces the console this may configure.
        builder.AddBillingObservability("worker");
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(roles);
        builder.Services.AddBillingPersistence(builder.Configuration);
        // Only a worker that prints looks at Chromium: a probe starts the browser, which a render-less machine may not have.
        builder.Services.AddBillingHealthChecks(roles.Has(WorkerRole.Pdf) ? ChromiumCheck.Pool : ChromiumCheck.None, workerRoles: true);
        builder.Services.AddWorkerMonitoring();
        builder.Services.AddRefunds(builder.Configuration);
        builder.Services.AddRefundAttempts(builder.Configuration);
        builder.Services.AddBillingRuns(builder.Configuration);
        builder.Services.AddBillingRunWorker(builder.Configuration, fanOut: roles.Has(WorkerRole.Billing));
        builder.Services.AddBrokerWatchdog(builder.Configuration);
        builder.Services.AddBillingMessaging(builder.Configuration, BusRole.Worker, roles);
        if (roles.Has(WorkerRole.Jobs))
            builder.Services.AddBillingJobs(builder.Configuration);
        else
            builder.Services.AddBillingJobsClient(builder.Configuration);
        builder.Services.AddLedgerAudits(builder.Configuration);
        builder.Services.AddLedgerAuditJob();
        builder.Services.AddSupportMail(builder.Configuration);
        builder.Services.AddPassbookSweep(builder.Configuration, sweep: roles.Has(WorkerRole.Jobs));
        builder.Services.AddStatementDelivery(builder.Configuration, sweep: roles.Has(WorkerRole.Jobs));
        if (roles.Has(WorkerRole.Pdf))
            builder.Services.AddStatementPdfs(builder.Configuration);
        else
            builder.Services.AddStatementPdfStore(builder.Configuration);
        if (roles.Has(WorkerRole.Delivery))
            builder.Services.AddNotifications(builder.Configuration);
        return builder.Build();
    }

    /// <summary>The API role: HTTP endpoints that publish to the bus and trigger jobs; it consumes and runs nothing.</summary>
    public static WebApplication Api(string[] args, Action<IConfigurationBuilder>? configure = null, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder.Configuration);
        builder.AddBillingObservability("api");
        logging?.Invoke(builder.Logging);
        // The role that meets outside input runs without Npgsql's auto-preparation (why: AddBillingPersistence).
        builder.Services.AddBillingPersistence(builder.Configuration, autoPrepare: false);
        builder.Services.AddRefunds(builder.Configuration);
        builder.Services.AddRefundQueries();
        builder.Services.AddBillingRuns(builder.Configuration);
        builder.Services.AddPassbook(builder.Configuration);
        builder.Services.AddBillingMessaging(builder.Configuration, BusRole.Client);
        builder.Services.AddBillingJobsClient(builder.Configuration);
        builder.Services.AddLedgerAudits(builder.Configuration);
        builder.Services.AddBillingApi();
        builder.Services.AddRequestLimits();
        builder.Services.AddAccess(builder.Configuration);
        builder.Services.AddStatementLinks(builder.Configuration);
        // Serves the PDFs behind the short links from the store the workers write to.
        builder.Services.AddStatementPdfStore(builder.Configuration);
        builder.Services.AddAccounts();
        builder.Services.AddDashboard();

        var app = builder.Build();
        app.MapBillingApi();
        app.MapRefunds();
        app.MapPassbook();
        app.MapReconciler();
        app.MapLedger();
        app.MapStripeWebhooks();
        app.MapBillingRuns();
        app.MapAccounts();
        app.MapStatements();
        app.MapDashboard();
        return app;
    }

    /// <summary>A bus client with Postgres and the read sides, for CLI commands that start work and watch it.</summary>
    public static IHost Client(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(Settings(args));
        // The console shows the command's own progress; the bus's start-up chatter stays out of it.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddBillingPersistence(builder.Configuration);
        builder.Services.AddRefunds(builder.Configuration);
        builder.Services.AddBillingRuns(builder.Configuration);
        builder.Services.AddBillingMessaging(builder.Configuration, BusRole.Client);
        return builder.Build();
    }

    /// <summary>A host with configuration and Postgres only, for one-off commands such as migrate.</summary>
    public static IHost Tooling(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(Settings(args));
        builder.Services.AddBillingPersistence(builder.Configuration);
        builder.Services.AddAccessStores(builder.Configuration);
        return builder.Build();
    }

    // appsettings.json sits beside the binary; the working directory may be anywhere (scripts run from the repo root).
    static HostApplicationBuilderSettings Settings(string[] args) => new() { Args = args, ContentRootPath = AppContext.BaseDirectory };
}
