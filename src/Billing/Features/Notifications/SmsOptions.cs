namespace Billing.Features.Notifications;

/// <summary>Section <c>Notifications:Sms</c>: the Twilio-shaped Messages API that sends statement SMS.</summary>
public sealed class SmsOptions
{
    public const string Section = "Notifications:Sms";

    /// <summary>The API root: <c>https://api.twilio.com</c> for Twilio; the default is the local stand-in.</summary>
    public Uri? BaseUrl { get; set; } = new("http://127.0.0.1:5090");

    /// <summary>The account (<c>AC…</c>); with <see cref="AuthToken"/> the basic-auth credentials. From configuration only.</summary>
    public string AccountSid { get; set; } = "";

    public string AuthToken { get; set; } = "";

    /// <summary>The sending number (E.164) or alphanumeric sender id; one of it and <see cref="MessagingServiceSid"/> is required.</summary>
    public string? From { get; set; }

    /// <summary>A messaging service (<c>MG…</c>) picks the sender itself; sent instead of <see cref="From"/> when set.</summary>
    public string? MessagingServiceSid { get; set; }

    /// <summary>How long one call waits for its answer; running out is Retryable (the SMS may have gone: retry with the same token).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
