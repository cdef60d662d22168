using System.Text.Json;

namespace Billing.Providers.StandIn.Cards;

/// <summary>Stripe's refund object, the fields the card adapter reads.</summary>
public sealed record StripeRefund
{
    public required string Id { get; init; }
    public string Object => "refund";
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public string? Charge { get; init; }
    public string? PaymentIntent { get; init; }
    public string? Reason { get; init; }

    /// <summary>"succeeded", "pending" or "failed"; a pending refund (a fault) succeeds after StandIn:PendingFor.</summary>
    public required string Status { get; set; }

    public string? FailureReason { get; set; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Unix seconds, as Stripe sends it.</summary>
    public required long Created { get; init; }
}

public sealed record StripeList<T>(IReadOnlyList<T> Data, bool HasMore, string Url)
{
    public string Object => "list";
}

public sealed record StripeError(string Type, string? Code, string Message, string? Param = null);

public sealed record StripeErrorBody(StripeError Error);

/// <summary>What the card provider answers: an HTTP status and a Stripe-shaped body (a refund or an error).</summary>
public sealed record CardAnswer(int Status, object Body)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public IResult ToResult() => Results.Json(Body, Json, statusCode: Status);
}
