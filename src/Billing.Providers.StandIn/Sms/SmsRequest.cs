using System.Text.RegularExpressions;

namespace Billing.Providers.StandIn.Sms;

/// <summary>A validated, form-encoded <c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c>.</summary>
public sealed partial record SmsRequest(string To, string? From, string? MessagingServiceSid, string Body)
{
    const int MaxBodyLength = 1600;

    public string Fingerprint => string.Join('|', To, From, MessagingServiceSid, Body);

    public static (SmsRequest? Request, TwilioAnswer? Error) Parse(IFormCollection form)
    {
        var to = Value(form, "To");
        if (to is null)
            return (null, TwilioErrors.MissingTo());
        if (!E164().IsMatch(to))
            return (null, TwilioErrors.InvalidTo(to));
        var from = Value(form, "From");
        var service = Value(form, "MessagingServiceSid");
        if (from is null && service is null)
            return (null, TwilioErrors.MissingFrom());
        if (Value(form, "Body") is not { } body)
            return (null, TwilioErrors.MissingBody());
        if (body.Length > MaxBodyLength)
            return (null, TwilioErrors.BodyTooLong());
        return (new SmsRequest(to, from, service, body), null);
    }

    static string? Value(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
