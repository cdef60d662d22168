namespace Billing.Providers.StandIn.Control;

/// <summary>Not part of any provider's API: how tests and local runs steer the stand-in and read its ledger.</summary>
public static class ControlEndpoints
{
    public static IEndpointRouteBuilder MapControl(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/control");

        control.MapGet("/ledger", (Ledger ledger) => ledger.Snapshot());
        // The messaging channels' idempotency keys go with their ledger (payments' keys stay: a refund paid is paid).
        control.MapDelete("/ledger", (Ledger ledger, Sms.SmsBook sms, WhatsApp.WhatsAppBook whatsApp) =>
        {
            ledger.Clear();
            sms.ForgetTokens();
            whatsApp.ForgetKeys();
            return Results.NoContent();
        });

        // Ignored: the SMS and WhatsApp stand-ins treat every request as a new message, as Twilio and the Cloud API do.
        control.MapGet("/messaging-keys", (MessagingKeys keys) => new MessagingKeysBody(keys.Mode));
        control.MapPut("/messaging-keys", (MessagingKeysBody body, MessagingKeys keys) =>
        {
            if (!Enum.IsDefined(body.Mode))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["mode"] = ["honoured or ignored."] });
            keys.Mode = body.Mode;
            return Results.Ok(new MessagingKeysBody(keys.Mode));
        });

        control.MapGet("/faults/{method}", (string method, Faults faults) =>
            ParseMethod(method) is { } m ? Results.Ok(faults.Get(m)) : UnknownMethod(method));
        control.MapPut("/faults/{method}", (string method, FaultSettings settings, Faults faults) =>
        {
            if (ParseMethod(method) is not { } m)
                return UnknownMethod(method);
            var problems = settings.Problems().ToArray();
            if (problems.Length > 0)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["faults"] = problems });
            faults.Set(m, settings);
            return Results.Ok(settings);
        });
        control.MapDelete("/faults/{method}", (string method, Faults faults) =>
        {
            if (ParseMethod(method) is not { } m)
                return UnknownMethod(method);
            faults.Reset(m);
            return Results.NoContent();
        });

        // Stripe knows each payment intent's currency from the payment; this tells the stand-in (unknown ones use
        // StandIn:DefaultCurrency, or the currency of their first refund that names one).
        control.MapPut("/payment-intents/{id}", (string id, PaymentIntentBody body, Cards.CardRefundBook book) =>
        {
            if (body.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetter))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["currency"] = ["A three-letter ISO code."] });
            book.KnowPaymentIntent(id, currency);
            return Results.NoContent();
        });

        control.MapPut("/webhooks/card", (Cards.WebhookTarget target, Cards.CardWebhooks webhooks) =>
        {
            webhooks.Target = target;
            return Results.NoContent();
        });

        return app;
    }

    public sealed record PaymentIntentBody(string? Currency);

    static PaymentMethod? ParseMethod(string method) =>
        Enum.TryParse<PaymentMethod>(method, ignoreCase: true, out var m) && Enum.IsDefined(m) ? m : null;

    static IResult UnknownMethod(string method) =>
        Results.Problem($"Unknown channel '{method}'; use card, swish, sms or whatsapp.", statusCode: StatusCodes.Status404NotFound);
}
