using System.Text.Json;
using System.Text.Json.Serialization;

namespace Billing.Providers.StandIn.WhatsApp;

/// <summary>The JSON body of <c>POST /{version}/{phone-number-id}/messages</c>, the fields a statement sender uses.</summary>
public sealed record WhatsAppMessageRequest(
    [property: JsonPropertyName("messaging_product")] string? MessagingProduct,
    [property: JsonPropertyName("recipient_type")] string? RecipientType,
    string? To,
    string? Type,
    WhatsAppText? Text,
    WhatsAppDocument? Document,
    WhatsAppTemplate? Template);

public sealed record WhatsAppText(string? Body);

public sealed record WhatsAppDocument(string? Id, string? Link, string? Filename, string? Caption);

public sealed record WhatsAppTemplate(string? Name, WhatsAppLanguage? Language, JsonElement? Components);

public sealed record WhatsAppLanguage(string? Code);

public sealed record WhatsAppContact(string Input, [property: JsonPropertyName("wa_id")] string WaId);

public sealed record WhatsAppMessageId(string Id);

/// <summary>What the Cloud API answers to an accepted message.</summary>
public sealed record WhatsAppSent(
    [property: JsonPropertyName("messaging_product")] string MessagingProduct,
    IReadOnlyList<WhatsAppContact> Contacts,
    IReadOnlyList<WhatsAppMessageId> Messages);

/// <summary>Graph's error object: <c>{"error":{"message","type","code","error_data","fbtrace_id"}}</c>.</summary>
public sealed record GraphError(
    string Message,
    string Type,
    int Code,
    [property: JsonPropertyName("error_data")] GraphErrorData? ErrorData,
    [property: JsonPropertyName("fbtrace_id")] string FbtraceId);

public sealed record GraphErrorData([property: JsonPropertyName("messaging_product")] string MessagingProduct, string Details);

public sealed record GraphErrorBody(GraphError Error);

/// <summary>What the WhatsApp provider answers: an HTTP status and a Graph-shaped body (a sent message, a media id or an error).</summary>
public sealed record GraphAnswer(int Status, object Body)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IResult ToResult() => Results.Json(Body, Json, statusCode: Status);
}

/// <summary>
/// Error codes from the Cloud API's published list: 190 (access token), 100 (invalid parameter), 2 and 131000
/// (temporary / something went wrong), 131026 (undeliverable), 131030 (recipient not allowed).
/// </summary>
public static class GraphErrors
{
    public static GraphAnswer InvalidToken() =>
        Error(401, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token", null);

    public static GraphAnswer InvalidParameter(string details) => Error(400, 100, "OAuthException", "(#100) Invalid parameter", details);

    public static GraphAnswer IdempotencyConflict(string key) => Error(400, 100, "GraphMethodException", "(#100) Invalid parameter",
        $"Idempotency-Key '{key}' was already used for a different message.");

    public static GraphAnswer Unavailable() => Error(503, 2, "OAuthException", "(#2) Service temporarily unavailable", null);

    /// <summary>Nothing was sent; a retry may get through.</summary>
    public static GraphAnswer Retryable(int variant) => variant == 0
        ? Error(500, 131000, "OAuthException", "(#131000) Something went wrong", "Message failed to send because of an unknown error.")
        : Error(503, 2, "OAuthException", "(#2) Service temporarily unavailable", null);

    /// <summary>A definite no for this recipient; retrying will not change that.</summary>
    public static GraphAnswer Decline(int variant) => variant == 0
        ? Error(400, 131026, "OAuthException", "(#131026) Message undeliverable", "Unable to deliver message.")
        : Error(400, 131030, "OAuthException", "(#131030) Recipient phone number not in allowed list", "Recipient phone number not in allowed list.");

    static GraphAnswer Error(int status, int code, string type, string message, string? details) =>
        new(status, new GraphErrorBody(new GraphError(message, type, code,
            details is null ? null : new GraphErrorData("whatsapp", details), $"A{Guid.NewGuid():N}"[..24])));
}
