using System.Text;
using Billing.Providers.StandIn.Control;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Sms;

/// <summary>
/// Twilio's Messages API (form-encoded, HTTP basic auth AccountSid:AuthToken), the parts a statement sender uses.
/// <c>I-Twilio-Idempotency-Token</c> is a stand-in extension: Twilio sends that header on its webhooks but offers no
/// idempotency on the REST API; here a repeat with the same token is answered the first message again.
/// </summary>
public static class SmsEndpoints
{
    const string TokenHeader = "I-Twilio-Idempotency-Token";

    public static IEndpointRouteBuilder MapSms(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/2010-04-01/Accounts/{accountSid}")
            .WithFaultsOf(PaymentMethod.Sms, () => TwilioErrors.Unavailable().ToResult())
            .AddEndpointFilter(async (context, next) =>
                IsAuthenticated(context.HttpContext) ? await next(context) : TwilioErrors.Unauthenticated().ToResult());

        messages.MapPost("/Messages.json", Send);
        messages.MapGet("/Messages.json", MessageList.Read);
        messages.MapGet("/Messages/{sid}.json", (string accountSid, string sid, HttpContext http, SmsBook book) =>
            book.Find(sid) is { } message && message.AccountSid == accountSid
                ? Results.Json(message, TwilioAnswer.Json)
                : TwilioErrors.NotFound(http.Request.Path).ToResult());

        return app;
    }

    static async Task<IResult> Send(string accountSid, HttpContext http, SmsBook book, Faults faults, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
            return TwilioErrors.MissingTo().ToResult();
        var (request, error) = SmsRequest.Parse(await http.Request.ReadFormAsync(cancellationToken));
        if (request is null)
            return error!.ToResult();

        var token = http.Request.Headers[TokenHeader].ToString() is { Length: > 0 } t ? t : null;
        var result = book.Send(accountSid, token, request);
        if (result.Replayed)
            http.Response.Headers["Idempotent-Replayed"] = "true";
        if (result.HoldAfterPay && !await faults.HoldAfterPayAsync(PaymentMethod.Sms, cancellationToken))
            return Results.Empty;
        return result.Answer!.ToResult();
    }

    /// <summary>Basic auth with the configured account's sid and token, for that account's URL only.</summary>
    static bool IsAuthenticated(HttpContext http)
    {
        var account = http.RequestServices.GetRequiredService<IOptions<StandInOptions>>().Value.Sms;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        return credentials == $"{account.AccountSid}:{account.AuthToken}"
            && http.Request.RouteValues["accountSid"] as string == account.AccountSid;
    }
}
