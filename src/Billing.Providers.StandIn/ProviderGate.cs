using Billing.Providers.StandIn.Control;
using Microsoft.AspNetCore.Http.Features;

namespace Billing.Providers.StandIn;

public static class ProviderGate
{
    /// <summary>
    /// Logs every request that reaches the group's endpoints in the <see cref="Ledger"/>, with what its URL and
    /// headers say (<paramref name="identify"/>); the handler adds what only it knows through <see cref="NoteRequest"/>,
    /// the payment marks it paid, and the answer's status is added here. Add it before <see cref="WithFaultsOf"/>:
    /// a dark or slow provider still received the request, and the time it arrived is the one that counts.
    /// </summary>
    public static RouteGroupBuilder WithRequestLog(
        this RouteGroupBuilder group, PaymentMethod method, Func<HttpRequest, ProviderRequest, ProviderRequest> identify) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var receivedAt = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            var operation = HttpMethods.IsGet(http.Request.Method) ? ProviderOperation.Lookup : ProviderOperation.Refund;
            var logged = http.RequestServices.GetRequiredService<Ledger>()
                .Received(identify(http.Request, new ProviderRequest(method, operation, http.Request.Path.Value ?? "", receivedAt)));
            http.Features.Set(logged);

            var result = await next(context);
            // A client that gave up (during a timeout-after-pay hold) was answered nothing, so the status stays null.
            if (!http.RequestAborted.IsCancellationRequested)
                logged.Update(r => r with { Status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK });
            return result;
        });

    /// <summary>This request's line in the ledger's request log.</summary>
    public static LoggedRequest LoggedRequest(this HttpContext http) => http.Features.GetRequiredFeature<LoggedRequest>();

    /// <summary>Adds what the handler learnt (the reference sent, whether it replayed) to this request's line in the log.</summary>
    public static void NoteRequest(this HttpContext http, Func<ProviderRequest, ProviderRequest> change) =>
        http.LoggedRequest().Update(change);

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
