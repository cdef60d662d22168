using Billing.Providers.StandIn.Control;

namespace Billing.Providers.StandIn;

public static class ProviderGate
{
    /// <summary>
    /// Applies a method's transport-level faults to every endpoint of its provider: latency first, then the dark
    /// window. They sit in front of validation and idempotency because a real outage does too.
    /// </summary>
    public static RouteGroupBuilder WithFaultsOf(this RouteGroupBuilder group, PaymentMethod method, Func<IResult> unavailable) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var faults = context.HttpContext.RequestServices.GetRequiredService<Faults>();
            await faults.DelayAsync(method, context.HttpContext.RequestAborted);
            return faults.IsDark(method) ? unavailable() : await next(context);
        });
}
