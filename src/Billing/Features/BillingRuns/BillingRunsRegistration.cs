using Billing.Features.BillingRuns.Runs;
using Billing.Features.BillingRuns.Saga;
using Billing.Features.BillingRuns.Steps;
using MassTransit;

namespace Billing.Features.BillingRuns;

public static class BillingRunsRegistration
{
    /// <summary>Options and the read side, for every role.</summary>
    public static IServiceCollection AddBillingRuns(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BillingRunOptions>(configuration.GetSection(BillingRunOptions.Section));
        services.AddSingleton<BillingRunProgress>();
        services.AddScoped<Api.BillingRunActions>();
        return services;
    }

    /// <summary>The worker's part: the steps and their runner, the daily job, and the fan-out when the worker bills.</summary>
    public static IServiceCollection AddBillingRunWorker(this IServiceCollection services, IConfiguration configuration, bool fanOut)
    {
        services.AddSingleton(configuration.GetSection(StepFaults.Section).Get<StepFaults>() ?? new StepFaults());
        services.AddSingleton<IBillingStep, BlockDuplicatesStep>();
        services.AddSingleton<IBillingStep, PassbookStep>();
        services.AddSingleton<IBillingStep, UserDataStep>();
        services.AddSingleton<IBillingStep, LoanStep>();
        services.AddSingleton<IBillingStep, ValidationStep>();
        services.AddSingleton<BillingStepRunner>();
        if (fanOut)
            services.AddHostedService<BillingFanOutService>();
        services.AddScoped<BillingRunJob>();
        return services;
    }

    public static void AddBillingRunSagas(this IBusRegistrationConfigurator x)
    {
        x.AddSagaStateMachine<AccountBillingStateMachine, AccountBillingState>();
        x.AddConsumer<StartBillingRunConsumer>();
    }
}
