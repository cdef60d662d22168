using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Webhooks;

/// <summary>
/// POST /webhooks/stripe: Stripe's late word on refunds. The signature is checked over the raw body; each event id is
/// taken once (refunds.stripe_event), so Stripe's retries of an event change nothing. A refund Stripe reports
/// <c>failed</c> (refund.failed, refund.updated, charge.refund.updated) goes back to Failed in the saga; everything else
/// is acknowledged and ignored.
/// </summary>
public static class StripeWebhookEndpoint
{
    const long MaxUnixSeconds = 253_402_300_799;

    static readonly HashSet<string> RefundEvents = ["refund.failed", "refund.updated", "charge.refund.updated"];

    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder app)
    {
        // Open to Stripe: each event is checked against its Stripe-Signature instead of a login.
        app.MapPost("/webhooks/stripe", Handle).AllowAnonymous().WithTags("Refunds").WithSummary("Stripe's webhook events about refunds (signed).");
        return app;
    }

    static async Task<IResult> Handle(HttpRequest request, IOptions<StripeWebhookOptions> options, BillingDbContext db, IPublishEndpoint publish,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.Secret))
            return Results.Problem("Refunds:Webhooks:Stripe:Secret is not configured.", statusCode: StatusCodes.Status503ServiceUnavailable);

        using var reader = new StreamReader(request.Body);
        var payload = await reader.ReadToEndAsync(cancellationToken);
        if (StripeSignature.Problem(request.Headers["Stripe-Signature"], payload, settings.Secret, clock.GetUtcNow(), settings.Tolerance) is { } problem)
            return Results.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Signature refused");

        StripeEvent? stripeEvent;
        try
        {
            stripeEvent = JsonSerializer.Deserialize<StripeEvent>(payload, StripeEvent.Json);
        }
        catch (JsonException)
        {
            stripeEvent = null;
        }
        if (stripeEvent is not { Id.Length: > 0 and <= 255, Type: not null })
            return Results.Problem("The body is not a Stripe event.", statusCode: StatusCodes.Status400BadRequest);
        // Checked before the event is taken: a time .NET cannot hold (past 9999) failed later, as a 500.
        if (stripeEvent.Created is < 0 or > MaxUnixSeconds)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["created"] = [$"{stripeEvent.Created} is not a time in seconds since 1970 up to the year 9999."] },
                title: "The event cannot be read; nothing was taken.");

        if (await db.Database.ExecuteSqlAsync($"""
                insert into refunds.stripe_event (event_id, type, received_at) values ({stripeEvent.Id}, {Cut(stripeEvent.Type, 100)}, {clock.GetUtcNow()})
                on conflict do nothing
                """, cancellationToken) == 0)
            return Results.Ok(new { received = true, duplicate = true });

        try
        {
            if (Failure(stripeEvent) is { } failed)
                await publish.Publish(failed, cancellationToken);
        }
        catch
        {
            // Not handed on: forget the event, so Stripe's retry of it is taken again.
            await db.Database.ExecuteSqlAsync($"delete from refunds.stripe_event where event_id = {stripeEvent.Id}", CancellationToken.None);
            throw;
        }

        loggers.CreateLogger(typeof(StripeWebhookEndpoint)).LogInformation("Stripe event {EventId} {Type} taken", stripeEvent.Id, stripeEvent.Type);
        return Results.Ok(new { received = true });
    }

    static RefundFailedByProvider? Failure(StripeEvent stripeEvent) =>
        RefundEvents.Contains(stripeEvent.Type!)
        && stripeEvent.Data?.Object is { Status: "failed", Id: { } providerRefundId } refund
        && Guid.TryParse(refund.Metadata?.GetValueOrDefault("refund_id"), out var refundId)
            ? new RefundFailedByProvider(refundId, providerRefundId, refund.FailureReason ?? "failed",
                DateTimeOffset.FromUnixTimeSeconds(stripeEvent.Created))
            : null;

    static string Cut(string text, int length) => text.Length > length ? text[..length] : text;

    sealed record StripeEvent(string? Id, string? Type, long Created, StripeEventData? Data)
    {
        public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    }

    sealed record StripeEventData(StripeRefundObject? Object);

    sealed record StripeRefundObject(string? Id, string? Status, string? FailureReason, Dictionary<string, string>? Metadata);
}
