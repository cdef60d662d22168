namespace Billing.Features.Refunds.Webhooks;

/// <summary>Section <c>Refunds:Webhooks:Stripe</c>: the endpoint's signing secret (whsec_…) and how old a signature may be.</summary>
public sealed class StripeWebhookOptions
{
    public const string Section = "Refunds:Webhooks:Stripe";

    /// <summary>Empty: the endpoint refuses every event (503), since it cannot tell Stripe from anyone else.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Stripe's own libraries allow 5 minutes.</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);
}
