namespace Billing.Providers.StandIn.Control;

/// <summary>What <c>GET /control/ledger</c> answers: money moved, tallied by key and by the caller's reference, and every request.</summary>
/// <param name="Keys">Idempotency keys that paid at least once.</param>
/// <param name="References">Every caller reference seen in a payment or a request, in the order first seen.</param>
/// <param name="Requests">Every request that reached a payment provider endpoint, in arrival order.</param>
/// <param name="Messages">Every message the messaging stand-ins delivered, per channel, in delivery order.</param>
public sealed record LedgerView(
    IReadOnlyList<LedgerEntry> Payments,
    IReadOnlyList<KeyTally> Keys,
    IReadOnlyList<ReferenceTally> References,
    IReadOnlyList<ProviderRequest> Requests,
    MessagesView? Messages = null);

public sealed record MessagesView(IReadOnlyList<MessageEntry> Sms, IReadOnlyList<MessageEntry> WhatsApp);

/// <summary>One message a messaging provider accepted: what went to whom, under which idempotency token.</summary>
/// <param name="MessageId">Twilio's <c>SM…</c> sid or WhatsApp's <c>wamid.…</c>.</param>
/// <param name="From">SMS: the <c>From</c> number or the <c>MessagingServiceSid</c>; WhatsApp: the phone-number id.</param>
/// <param name="Type">WhatsApp's message type (text, document, template); <c>sms</c> for SMS.</param>
/// <param name="Body">The SMS body, the WhatsApp text body or the document's caption.</param>
/// <param name="Document">WhatsApp documents: the media id or link, and the file name.</param>
/// <param name="Template">WhatsApp templates: the template's name and language code.</param>
/// <param name="IdempotencyKey">SMS: <c>I-Twilio-Idempotency-Token</c>; WhatsApp: <c>Idempotency-Key</c>. Both stand-in extensions.</param>
/// <param name="TimesDelivered">Deliveries under the same token (1 without a token); more than one means the token was forgotten.</param>
public sealed record MessageEntry(
    PaymentMethod Channel,
    string MessageId,
    string To,
    string From,
    string Type,
    string? Body,
    MessageDocument? Document,
    MessageTemplate? Template,
    string? IdempotencyKey,
    DateTimeOffset DeliveredAt,
    int TimesDelivered = 1);

public sealed record MessageDocument(string? Id, string? Link, string? Filename);

public sealed record MessageTemplate(string Name, string Language);

/// <param name="AmountMinor">Minor units (cents, öre) for every method, so entries compare across providers.</param>
/// <param name="Currency">Upper-case ISO 4217, whatever case the provider's API uses.</param>
/// <param name="Reference">The caller's own reference: Stripe's <c>metadata[refund_id]</c>, Swish's <c>payerPaymentReference</c>.</param>
public sealed record LedgerEntry(
    PaymentMethod Method,
    string? IdempotencyKey,
    string? Reference,
    string RefundId,
    long AmountMinor,
    string Currency,
    DateTimeOffset PaidAt);

/// <param name="TimesPaid">Payments under the key. More than one means the key was forgotten (its window passed) and reused.</param>
/// <param name="Requests">Paying requests (card POST, Swish PUT) sent under the key, replays and refusals included.</param>
public sealed record KeyTally(PaymentMethod Method, string IdempotencyKey, int TimesPaid, int Requests);

/// <summary>
/// Per caller reference, the count that says whether the service paid a refund twice: the stand-in's idempotency
/// groups by key, so a service that sends one refund under two keys is only caught here.
/// </summary>
/// <param name="RefundRequests">Paying requests (card POST, Swish PUT) that carried the reference.</param>
/// <param name="Lookups">Reads that found a refund with the reference; a card list by payment intent names none.</param>
public sealed record ReferenceTally(PaymentMethod Method, string Reference, int TimesPaid, int RefundRequests, int Lookups);

/// <summary>One request that reached a provider endpoint, as the provider saw it.</summary>
/// <param name="Operation"><c>refund</c> for a request that may pay (card POST, Swish PUT), <c>lookup</c> for a read.</param>
/// <param name="Path">The request path, without the query.</param>
/// <param name="ReceivedAt">When it arrived, before any latency fault delayed it.</param>
/// <param name="IdempotencyKey">Card: the <c>Idempotency-Key</c> header, or the key a by-key lookup asked for. Swish: the instruction UUID.</param>
/// <param name="Reference">
/// The caller's reference: on a refund the one it sent (card <c>metadata[refund_id]</c>, Swish <c>payerPaymentReference</c>),
/// on a lookup the found refund's. Null when the body was never read (a dark provider, a missing API key) or nothing was found.
/// </param>
/// <param name="PaymentIntent">The payment intent a card list (<c>GET /v1/refunds?payment_intent=</c>) asked for.</param>
/// <param name="RefundId">The provider refund id a card lookup (<c>GET /v1/refunds/{id}</c>) asked for.</param>
/// <param name="Status">The HTTP status answered; null while unanswered or when the client gave up first (a timeout after pay).</param>
/// <param name="Paid">True only for the request that moved money.</param>
/// <param name="Replayed">True when an earlier request's answer under the same key was given again, paying nothing.</param>
public sealed record ProviderRequest(
    PaymentMethod Method,
    ProviderOperation Operation,
    string Path,
    DateTimeOffset ReceivedAt,
    string? IdempotencyKey = null,
    string? Reference = null,
    string? PaymentIntent = null,
    string? RefundId = null,
    int? Status = null,
    bool Paid = false,
    bool Replayed = false);

public enum ProviderOperation
{
    /// <summary>A request that may pay: card <c>POST /v1/refunds</c>, Swish <c>PUT /v2/refunds/{id}</c>.</summary>
    Refund,

    /// <summary>A read, which never pays.</summary>
    Lookup,
}
