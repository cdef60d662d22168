namespace Billing.Providers.StandIn;

/// <summary>
/// The channels the stand-in plays a provider for; faults are set per channel. Named when it knew only payment
/// methods: the messaging channels sit here too so they share the fault machinery (<c>/control/faults/sms</c>).
/// </summary>
public enum PaymentMethod
{
    Card,
    Swish,

    /// <summary>SMS, Twilio-shaped.</summary>
    Sms,

    /// <summary>WhatsApp, Cloud API-shaped.</summary>
    WhatsApp,
}
