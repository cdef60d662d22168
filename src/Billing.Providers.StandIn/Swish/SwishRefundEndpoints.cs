using System.Text.Json;
using System.Text.RegularExpressions;
using Billing.Providers.StandIn.Control;

namespace Billing.Providers.StandIn.Swish;

/// <summary>
/// Swish's refund API (JSON; the caller's instruction UUID is both the refund's id and its idempotency key).
/// Swish would post the outcome to callbackUrl; the stand-in makes no outbound calls, so callers poll GET.
/// </summary>
public static partial class SwishRefundEndpoints
{
    public static IEndpointRouteBuilder MapSwishRefunds(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/swish-cpcapi/api")
            .WithRequestLog(PaymentMethod.Swish, (http, request) => request with
            {
                IdempotencyKey = (http.RouteValues["instructionUuid"] ?? http.RouteValues["id"]) as string,
            })
            .WithFaultsOf(PaymentMethod.Swish, () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));

        api.MapPut("/v2/refunds/{instructionUuid}", Create);
        api.MapGet("/v1/refunds/{id}", (string id, HttpContext http, SwishRefundBook book) =>
        {
            var refund = book.Find(id);
            http.NoteRequest(r => r with { Reference = refund?.PayerPaymentReference });
            return refund is not null ? Results.Ok(refund) : Results.NotFound();
        });

        return app;
    }

    static async Task<IResult> Create(string instructionUuid, HttpContext http, SwishRefundBook book, Faults faults, CancellationToken cancellationToken)
    {
        if (!InstructionUuid().IsMatch(instructionUuid))
            return SwishErrors.Result(StatusCodes.Status400BadRequest,
                SwishErrors.WrongFormat with { AdditionalInformation = "instructionUUID must be 32 upper-case hexadecimal characters." });
        if (!http.Request.HasJsonContentType())
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);

        SwishRefundRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<SwishRefundRequest>(cancellationToken);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null)
            return SwishErrors.Result(StatusCodes.Status400BadRequest, SwishErrors.WrongFormat);
        // Noted before validation: a refused request still says which refund the service was trying to pay.
        http.NoteRequest(r => r with { Reference = request.PayerPaymentReference });
        if (request.Validate() is { Count: > 0 } errors)
            return SwishErrors.Result(StatusCodes.Status422UnprocessableEntity, [.. errors]);

        var result = book.Create(instructionUuid, request, http.LoggedRequest());
        http.NoteRequest(r => r with { Replayed = result.Replayed });
        if (result.Conflict)
            return SwishErrors.Result(StatusCodes.Status409Conflict, SwishErrors.InstructionReused);
        if (result.HoldAfterPay && !await faults.HoldAfterPayAsync(PaymentMethod.Swish, cancellationToken))
            return Results.Empty;

        var answer = result.Answer!;
        return answer.Status switch
        {
            StatusCodes.Status201Created => Results.Created(
                $"{http.Request.Scheme}://{http.Request.Host}/swish-cpcapi/api/v1/refunds/{instructionUuid}", value: null),
            _ when answer.Errors is { } list => SwishErrors.Result(answer.Status, [.. list]),
            _ => Results.StatusCode(answer.Status),
        };
    }

    [GeneratedRegex("^[0-9A-F]{32}$")]
    private static partial Regex InstructionUuid();
}
