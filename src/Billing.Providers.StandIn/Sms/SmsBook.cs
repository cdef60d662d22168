using System.Globalization;
using Billing.Providers.StandIn.Control;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Sms;

/// <summary>
/// The SMS provider's messages: accepted at most once per <c>I-Twilio-Idempotency-Token</c> while the stand-in
/// remembers it (<see cref="StandInOptions.IdempotencyWindow"/>), delivered into the ledger.
/// </summary>
public sealed class SmsBook(Faults faults, Ledger ledger, MessagingKeys keys, TimeProvider clock, IOptions<StandInOptions> options)
{
    // Twilio has no idempotency of its own; the token means "the same message", so a repeat gets the first answer
    // whatever it carries (the fingerprint is not compared).
    const string AnyRequest = "";

    readonly IdempotencyStore<TwilioAnswer> _answers = new(clock, options.Value.IdempotencyWindow);

    /// <summary>Forgets the idempotency tokens (DELETE /control/ledger): a demo that starts its data afresh sends again.</summary>
    public void ForgetTokens() => _answers.Clear();
    readonly Dictionary<string, TwilioMessage> _messages = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    public IdempotentResult<TwilioAnswer> Send(string accountSid, string? token, SmsRequest request) =>
        _answers.Run(keys.Effective(token), AnyRequest, () => Execute(accountSid, token, request));

    public TwilioMessage? Find(string sid)
    {
        lock (_gate)
            return _messages.GetValueOrDefault(sid);
    }

    /// <summary>
    /// The account's messages that pass <paramref name="filter"/>, newest first (by date_sent, as Twilio lists them).
    /// </summary>
    public IReadOnlyList<TwilioMessage> List(string accountSid, Func<TwilioMessage, DateTimeOffset, bool> filter)
    {
        lock (_gate)
            return [.. _messages.Values.Where(m => m.AccountSid == accountSid)
                .Select(m => (Message: m, Sent: _sentAt[m.Sid]))
                .Where(m => filter(m.Message, m.Sent))
                .OrderByDescending(m => m.Sent).ThenByDescending(m => m.Message.Sid, StringComparer.Ordinal)
                .Select(m => m.Message)];
    }

    readonly Dictionary<string, DateTimeOffset> _sentAt = new(StringComparer.Ordinal);

    Execution<TwilioAnswer> Execute(string accountSid, string? token, SmsRequest request)
    {
        var roll = faults.Roll(PaymentMethod.Sms);
        switch (roll.Outcome)
        {
            case Outcome.FailRetryable:
                return new(TwilioErrors.Retryable(), Keep: false);
            case Outcome.Decline:
                return new(TwilioErrors.Decline(roll.Variant), Keep: true);
        }

        var now = clock.GetUtcNow();
        var sid = $"SM{Guid.NewGuid():N}";
        var uri = $"/2010-04-01/Accounts/{accountSid}/Messages/{sid}";
        var created = Rfc2822(now);
        var message = new TwilioMessage
        {
            AccountSid = accountSid,
            Body = request.Body,
            DateCreated = created,
            DateUpdated = created,
            From = request.From,
            MessagingServiceSid = request.MessagingServiceSid,
            NumSegments = Segments(request.Body).ToString(CultureInfo.InvariantCulture),
            Sid = sid,
            Status = "queued",
            SubresourceUris = new Dictionary<string, string> { ["media"] = $"{uri}/Media.json" },
            To = request.To,
            Uri = $"{uri}.json",
        };
        // The answer says queued, as Twilio's does; the stand-in hands the message on at once, so reading it back (one
        // message or the list) shows it sent, with its date_sent, as Twilio shows it a moment later.
        lock (_gate)
        {
            _messages[sid] = message with { Status = "sent", DateSent = created };
            _sentAt[sid] = now;
        }
        ledger.Delivered(new MessageEntry(PaymentMethod.Sms, sid, request.To, request.From ?? request.MessagingServiceSid!, "sms",
            request.Body, null, null, token, now));
        return new(new TwilioAnswer(StatusCodes.Status201Created, message), Keep: true, HoldAfterPay: roll.Outcome == Outcome.PayThenTimeOut);
    }

    static string Rfc2822(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    // GSM-7 segments (153 characters each once split); good enough for a stand-in that sends nothing.
    static int Segments(string body) => body.Length <= 160 ? 1 : (body.Length + 152) / 153;
}
