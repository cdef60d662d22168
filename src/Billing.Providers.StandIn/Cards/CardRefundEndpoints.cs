using Billing.Providers.StandIn.Control;

namespace Billing.Providers.StandIn.Cards;

/// <summary>Stripe's refunds API (form-encoded, bearer key, Idempotency-Key header), the parts a card adapter uses.</summary>
public static class CardRefundEndpoints
{
    const int MaxIdempotencyKeyLength = 255;
    const string ReferenceField = "metadata[refund_id]";

    public static IEndpointRouteBuilder MapCardRefunds(this IEndpointRouteBuilder app)
    {
        var refunds = app.MapGroup("/v1/refunds")
            .WithRequestLog(PaymentMethod.Card, Identify)
            .WithFaultsOf(PaymentMethod.Card, () => StripeErrors.Unavailable().ToResult())
            .AddEndpointFilter(async (context, next) =>
                HasApiKey(context.HttpContext.Request) ? await next(context) : StripeErrors.MissingApiKey().ToResult());

        refunds.MapPost("", Create);
        refunds.MapGet("/{id}", (string id, HttpContext http, CardRefundBook book) =>
        {
            var refund = book.Find(id);
            http.NoteRequest(r => r with { Reference = refund?.Metadata.GetValueOrDefault("refund_id") });
            return refund is not null ? Results.Json(refund, CardAnswer.Json) : StripeErrors.NotFound("id", id).ToResult();
        });
        refunds.MapGet("", (HttpRequest request, CardRefundBook book) =>
            RefundListQuery.Parse(request.Query) switch { ({ } query, _) => List(query, book), (_, var error) => error!.ToResult() });
        // Not Stripe: a stand-in convenience that answers what a retry with this key would get, without paying.
        // Against the real provider the adapter resolves an unknown outcome by retrying with the same key or by
        // listing the payment intent's refunds (GET /v1/refunds?payment_intent=...), which both work here too.
        refunds.MapGet("/by-idempotency-key/{key}", (string key, HttpContext http, CardRefundBook book) =>
        {
            var answer = book.FindByIdempotencyKey(key);
            http.NoteRequest(r => r with { Reference = (answer?.Body as StripeRefund)?.Metadata.GetValueOrDefault("refund_id") });
            return answer is not null ? answer.ToResult() : StripeErrors.NotFound("idempotency_key", key).ToResult();
        });

        return app;
    }

    static async Task<IResult> Create(HttpContext http, CardRefundBook book, Faults faults, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
            return StripeErrors.Invalid("body", "parameter_invalid_string",
                "Send parameters form-encoded (application/x-www-form-urlencoded).").ToResult();

        var key = IdempotencyKey(http.Request);
        if (key is { Length: > MaxIdempotencyKeyLength })
            return StripeErrors.Invalid("Idempotency-Key", "idempotency_key_too_long",
                $"Idempotency keys are at most {MaxIdempotencyKeyLength} characters.").ToResult();

        var form = await http.Request.ReadFormAsync(cancellationToken);
        // Noted before validation: a refused request still says which refund the service was trying to pay.
        http.NoteRequest(r => r with { Reference = form[ReferenceField].ToString() is { Length: > 0 } reference ? reference : null });
        var (request, error) = CardRefundRequest.Parse(form);
        if (request is null)
            return error!.ToResult();

        var result = book.Create(key, request, http.LoggedRequest());
        http.NoteRequest(r => r with { Replayed = result.Replayed });
        if (result.Conflict)
            return StripeErrors.IdempotencyConflict(key!).ToResult();
        if (key is not null)
            http.Response.Headers["Idempotency-Key"] = key;
        if (result.Replayed)
            http.Response.Headers["Idempotent-Replayed"] = "true";
        if (result.HoldAfterPay && !await faults.HoldAfterPayAsync(PaymentMethod.Card, cancellationToken))
            return Results.Empty;
        return result.Answer!.ToResult();
    }

    /// <summary>
    /// Stripe's list: newest first, <c>limit</c> at a time, after <c>starting_after</c> (a refund id of the previous page),
    /// <c>has_more</c> when more follow, so the official SDK's auto-paging walks it as it walks Stripe.
    /// </summary>
    static IResult List(RefundListQuery query, CardRefundBook book)
    {
        if (book.List(query.PaymentIntent, query.Charge, query.StartingAfter) is not { } newestFirst)
            return StripeErrors.Invalid("starting_after", "resource_missing", $"No such refund: '{query.StartingAfter}'").ToResult();
        var all = newestFirst.Where(query.CreatedMatches).ToList();
        var page = all.Take(query.Limit).ToList();
        return Results.Json(new StripeList<StripeRefund>(page, all.Count > page.Count, "/v1/refunds"), CardAnswer.Json);
    }

    /// <summary>What the URL and headers say, so even a request refused before its handler ran is identified.</summary>
    static ProviderRequest Identify(HttpRequest http, ProviderRequest request) => request with
    {
        IdempotencyKey = IdempotencyKey(http) ?? http.RouteValues["key"] as string,
        PaymentIntent = http.Query["payment_intent"].ToString() is { Length: > 0 } paymentIntent ? paymentIntent : null,
        RefundId = http.RouteValues["id"] as string,
    };

    static string? IdempotencyKey(HttpRequest request) =>
        request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null;

    static bool HasApiKey(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var header
        && header.StartsWith("Bearer ", StringComparison.Ordinal)
        && header["Bearer ".Length..].Trim().Length > 0;
}
