using Billing.Features.Access;
using MassTransit;

namespace Billing.Features.Passbook;

public static class PassbookRegistration
{
    /// <summary>The API role: repayment intake and the balance, straight on Postgres.</summary>
    public static IServiceCollection AddPassbook(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PassbookOptions>(configuration.GetSection(PassbookOptions.Section));
        services.AddSingleton<RepaymentIntake>();
        services.AddSingleton<RepaymentReversalIntake>();
        services.AddSingleton<RepaymentMoveIntake>();
        services.AddSingleton<ExcessRefundSender>();
        services.AddHostedService(provider => provider.GetRequiredService<ExcessRefundSender>());
        return services;
    }

    /// <summary>The worker role: the passbook's options, and the sweep that sends a lost excess refund again (jobs role).</summary>
    public static IServiceCollection AddPassbookSweep(this IServiceCollection services, IConfiguration configuration, bool sweep)
    {
        services.Configure<PassbookOptions>(configuration.GetSection(PassbookOptions.Section));
        if (sweep)
            services.AddHostedService<ExcessRefundSweep>();
        return services;
    }

    /// <summary>The consumer that books refunds' outcomes (an endpoint by convention, with the inbox and outbox).</summary>
    public static void AddPassbookConsumers(this IBusRegistrationConfigurator x)
    {
        x.AddConsumer<RefundOutcomeConsumer>();
        x.AddConsumer<ExcessCreditCheckConsumer>();
    }

    public static IEndpointRouteBuilder MapPassbook(this IEndpointRouteBuilder app)
    {
        var repayments = app.MapGroup("/repayments").WithTags("Passbook");
        repayments.MapPost("", RepaymentEndpoint.Handle).RequireAuthorization(Policies.Intake)
            .WithSummary("Report a repayment (idempotent on gatewayPaymentId); an overpayment's excess is refunded once.");
        repayments.MapPost("/{gatewayPaymentId}/reversal", RepaymentReversalEndpoint.Handle).RequireAuthorization(Policies.Intake)
            .WithSummary("Report a repayment the gateway took back (chargeback, returned); idempotent on reversalId.");
        repayments.MapPost("/{gatewayPaymentId}/move", RepaymentMoveEndpoint.Handle).RequireAuthorization(Policies.Intake)
            .WithSummary("Move a repayment reported under the wrong account to the right one; the same target again replays.");
        repayments.MapGet("/{gatewayPaymentId}", RepaymentEndpoint.Get).RequireAuthorization(Policies.Staff).WithSummary("A recorded repayment and its excess refund.");
        app.MapGet("/accounts/{accountId}/balance", BalanceEndpoint.Handle).RequireAuthorization(Policies.Staff).WithTags("Passbook")
            .WithSummary("The balance, the last statement's minimum due, what is due now, credit and excess refunds.");
        return app;
    }
}
