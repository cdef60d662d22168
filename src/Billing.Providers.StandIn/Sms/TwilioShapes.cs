using System.Text.Json;

namespace Billing.Providers.StandIn.Sms;

/// <summary>Twilio's Message resource as <c>POST/GET …/Messages</c> return it (snake_case; dates in RFC 2822).</summary>
public sealed record TwilioMessage
{
    public required string AccountSid { get; init; }
    public string ApiVersion => "2010-04-01";
    public required string Body { get; init; }
    public required string DateCreated { get; init; }
    public string? DateSent { get; init; }
    public required string DateUpdated { get; init; }
    public string Direction => "outbound-api";
    public int? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public string? From { get; init; }
    public string? MessagingServiceSid { get; init; }
    public string NumMedia => "0";
    public required string NumSegments { get; init; }
    public string? Price { get; init; }
    public string PriceUnit => "USD";
    public required string Sid { get; init; }
    public required string Status { get; init; }
    public required IReadOnlyDictionary<string, string> SubresourceUris { get; init; }
    public required string To { get; init; }
    public required string Uri { get; init; }
}

/// <summary>Twilio's error body: <c>{"code","message","more_info","status"}</c>.</summary>
public sealed record TwilioError(int Code, string Message, string MoreInfo, int Status);

/// <summary>What the SMS provider answers: an HTTP status and a Twilio-shaped body (a message or an error).</summary>
public sealed record TwilioAnswer(int Status, object Body)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public IResult ToResult() => Results.Json(Body, Json, statusCode: Status);
}

/// <summary>Error codes from Twilio's published list (20003, 20404, 20500, 21211, 21602, 21603, 21604, 21610, 21614).</summary>
public static class TwilioErrors
{
    public static TwilioAnswer Unauthenticated() => Error(401, 20003, "Authentication Error - invalid username");

    public static TwilioAnswer NotFound(string uri) => Error(404, 20404, $"The requested resource {uri} was not found");

    public static TwilioAnswer InvalidTo(string? to) => Error(400, 21211, $"Invalid 'To' Phone Number: {to}");

    public static TwilioAnswer MissingBody() => Error(400, 21602, "Message body is required.");

    public static TwilioAnswer MissingFrom() => Error(400, 21603, "A 'From' phone number or a 'MessagingServiceSid' is required.");

    public static TwilioAnswer MissingTo() => Error(400, 21604, "A 'To' phone number is required.");

    public static TwilioAnswer BodyTooLong() => Error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");

    public static TwilioAnswer InvalidParameter(string name, string? value) => Error(400, 20001, $"Invalid {name}: {value}");

    public static TwilioAnswer Unavailable() => Error(503, 20503, "Service unavailable");

    /// <summary>Nothing was sent; a retry may get through.</summary>
    public static TwilioAnswer Retryable() => Error(500, 20500, "Internal Server Error");

    /// <summary>A definite no for this recipient; retrying will not change that.</summary>
    public static TwilioAnswer Decline(int variant) => variant == 0
        ? Error(400, 21610, "Attempt to send to unsubscribed recipient")
        : Error(400, 21614, "'To' number is not a valid mobile number");

    static TwilioAnswer Error(int status, int code, string message) =>
        new(status, new TwilioError(code, message, $"https://www.twilio.com/docs/errors/{code}", status));
}
