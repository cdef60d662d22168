namespace Billing.Providers.StandIn;

/// <summary>The payment methods the stand-in plays a provider for; faults are set per method.</summary>
public enum PaymentMethod
{
    Card,
    Swish,
}
