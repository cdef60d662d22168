using System.Text.Json;
using System.Text.Json.Serialization;
using Billing.Providers.StandIn.Cards;
using Billing.Providers.StandIn.Control;
using Billing.Providers.StandIn.Sms;
using Billing.Providers.StandIn.Swish;
using Billing.Providers.StandIn.WhatsApp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Providers.StandIn;

public static class StandInRegistration
{
    public static IServiceCollection AddProviderStandIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StandInOptions>()
            .Bind(configuration.GetSection(StandInOptions.Section))
            .Validate(o => o.TimeoutAfterPayHold > TimeSpan.Zero, "StandIn:TimeoutAfterPayHold must be positive.")
            .Validate(o => o.IdempotencyWindow > TimeSpan.Zero, "StandIn:IdempotencyWindow must be positive.")
            .ValidateOnStart();
        services.AddProblemDetails();
        // A log line per request drowns the one line per payment that matters when a demo sends thousands.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        // Control endpoints speak camelCase enums ("nonRetryable", "card"); each provider shape sets its own naming.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Ledger>();
        services.AddSingleton<Faults>();
        services.AddSingleton<MessagingKeys>();
        services.AddSingleton<CardWebhooks>();
        services.AddSingleton<CardRefundBook>();
        services.AddSingleton<SwishRefundBook>();
        services.AddSingleton<SmsBook>();
        services.AddSingleton<WhatsAppBook>();
        return services;
    }

    public static WebApplication MapProviderStandIn(this WebApplication app)
    {
        app.MapCardRefunds();
        app.MapSwishRefunds();
        app.MapSms();
        app.MapWhatsApp();
        app.MapControl();
        return app;
    }
}
