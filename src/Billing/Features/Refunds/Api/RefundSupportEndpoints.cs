using System.Globalization;
using System.Text;
using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Saga;
using MassTransit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Api;

public sealed record ResolveBody(string? RequestedBy, string? Note, bool? PaidElsewhere);

public sealed record CancelBody(string? RequestedBy, string? Reason);

public sealed record BulkRetryBody(string? RequestedBy, string? Cause, string? Method, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// Support's daily tools: close a refund by hand (resolved with a note, or cancelled), retry many at once by cause,
/// method or time window, and export a filtered list as CSV. Each records who asked and when; the saga decides, so an
/// action on a refund that has moved on meanwhile changes nothing.
/// </summary>
public static class RefundSupportEndpoints
{
    const int MaxNote = 1000;
    const int MaxBulkRetry = 10_000;

    public static RouteGroupBuilder MapSupportTools(this RouteGroupBuilder refunds)
    {
        refunds.MapPost("/{refundId:guid}/resolve", Resolve).WithSummary("Support: close a failed refund by hand with a note (paid another way, or not to be paid).");
        refunds.MapPost("/{refundId:guid}/cancel", Cancel).WithSummary("Support: cancel a failed refund; it no longer counts against its payment.");
        refunds.MapPost("/retry", BulkRetry).WithSummary("Support: one more attempt for every failed refund with this cause, method or request time.");
        refunds.MapGet("/export.csv", Export).WithSummary("The refunds a filter selects, as CSV.");
        return refunds;
    }

    static async Task<IResult> Resolve(Guid refundId, [FromHeader(Name = "X-Requested-By")] string? requestedByHeader, ResolveBody body,
        RefundQueries queries, IPublishEndpoint publish, TimeProvider clock, CancellationToken cancellationToken)
    {
        var requestedBy = body.RequestedBy ?? requestedByHeader;
        var problems = Who(requestedBy);
        if (string.IsNullOrWhiteSpace(body.Note) || body.Note.Length > MaxNote)
            problems["note"] = [$"Say how it was resolved, at most {MaxNote} characters."];
        if (body.PaidElsewhere is null)
            problems["paidElsewhere"] = ["true when the money reached the customer another way (it still counts against the payment), false when it is not to be paid."];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems);
        if (await Closable(refundId, queries, cancellationToken) is { } refused)
            return refused;

        await publish.Publish(new ResolveRefundByHand(refundId, requestedBy!, body.Note!, body.PaidElsewhere!.Value, clock.GetUtcNow()), cancellationToken);
        return Results.Accepted($"/refunds/{refundId}", new { refundId, requestedBy, status = "resolve_requested" });
    }

    static async Task<IResult> Cancel(Guid refundId, [FromHeader(Name = "X-Requested-By")] string? requestedByHeader, CancelBody body,
        RefundQueries queries, IPublishEndpoint publish, TimeProvider clock, CancellationToken cancellationToken)
    {
        var requestedBy = body.RequestedBy ?? requestedByHeader;
        var problems = Who(requestedBy);
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > MaxNote)
            problems["reason"] = [$"Say why it is cancelled, at most {MaxNote} characters."];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems);
        if (await Closable(refundId, queries, cancellationToken) is { } refused)
            return refused;

        await publish.Publish(new CancelRefund(refundId, requestedBy!, body.Reason!, clock.GetUtcNow()), cancellationToken);
        return Results.Accepted($"/refunds/{refundId}", new { refundId, requestedBy, status = "cancel_requested" });
    }

    /// <summary>
    /// Every Failed or NeedsSupport refund the filter selects gets a RetryRefund: the first moves it out of the states that
    /// accept one, so each is attempted once however often this is sent.
    /// </summary>
    static async Task<IResult> BulkRetry([FromHeader(Name = "X-Requested-By")] string? requestedByHeader, BulkRetryBody body, IOptions<RefundOptions> options,
        RefundQueries queries, IPublishEndpoint publish, TimeProvider clock, CancellationToken cancellationToken)
    {
        var requestedBy = body.RequestedBy ?? requestedByHeader;
        var problems = Who(requestedBy);
        if (body.Cause is null && body.Method is null && body.From is null && body.To is null)
            problems["filter"] = ["Name a cause, a method or a time window: a retry of everything is not one click away."];
        if (body.Method is not null && !options.Value.Methods.ContainsKey(body.Method))
            problems["method"] = [$"Unknown payment method '{body.Method}'."];
        if (body.From is not null && body.To is not null && body.From >= body.To)
            problems["from"] = ["Must be before 'to'."];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems);

        var ids = await queries.Ids(new RefundFilter(Method: body.Method, From: body.From, To: body.To, Cause: body.Cause,
            States: ["Failed", "NeedsSupport"]), cancellationToken);
        if (ids.Count > MaxBulkRetry)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["filter"] = [$"{ids.Count} refunds match; narrow it to at most {MaxBulkRetry}."] });

        var at = clock.GetUtcNow();
        foreach (var id in ids)
            await publish.Publish(new RetryRefund(id, requestedBy!, at), cancellationToken);
        return Results.Accepted("/refunds?status=retrying_manually", new { requestedBy, count = ids.Count, refundIds = ids });
    }

    static async Task Export(HttpContext http, RefundQueries queries, string? status = null, string? method = null, DateTimeOffset? from = null,
        DateTimeOffset? to = null, string? paymentId = null, string? providerRefundId = null)
    {
        var problems = RefundEndpoints.FilterProblems(status, from, to, out var state);
        if (problems.Count > 0)
        {
            await Results.ValidationProblem(problems).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"refunds.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        await writer.WriteLineAsync("refund_id,status,payment_id,amount,currency,method,requested_at,attempts,last_error_code,provider_refund_id,closed_by,closed_at,close_note");
        await foreach (var r in queries.All(new RefundFilter(state, method, from, to, paymentId, providerRefundId)).WithCancellation(http.RequestAborted))
            await writer.WriteLineAsync(string.Join(',', new[]
            {
                r.RefundId.ToString(), r.Status, r.PaymentId, r.Amount.ToString(CultureInfo.InvariantCulture), r.Currency.Trim(), r.Method,
                r.RequestedAt.ToString("O", CultureInfo.InvariantCulture), r.AttemptCount.ToString(CultureInfo.InvariantCulture), r.LastErrorCode,
                r.ProviderRefundId, r.ClosedBy, r.ClosedAt?.ToString("O", CultureInfo.InvariantCulture), r.CloseNote,
            }.Select(Field)));
    }

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; a leading = + - @ is quoted too, so a spreadsheet does not run it.</summary>
    static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var risky = value[0] is '=' or '+' or '-' or '@' && !decimal.TryParse(value, CultureInfo.InvariantCulture, out _);
        var text = risky ? "'" + value : value;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 || risky ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }

    static Dictionary<string, string[]> Who(string? requestedBy) =>
        string.IsNullOrWhiteSpace(requestedBy) || requestedBy.Length > 100
            ? new() { ["requestedBy"] = ["Say who acts (body 'requestedBy' or header X-Requested-By), at most 100 characters."] }
            : new();

    static async Task<IResult?> Closable(Guid refundId, RefundQueries queries, CancellationToken cancellationToken) =>
        await queries.Status(refundId, cancellationToken) switch
        {
            null => Results.Problem($"No refund has id {refundId}.", statusCode: StatusCodes.Status404NotFound, title: "Refund not found"),
            var status when !RefundStatus.AllowsClosing(status) => Results.Problem(
                $"Refund {refundId} is {status}; only a failed or needs_support refund can be closed by hand.",
                statusCode: StatusCodes.Status409Conflict, title: "Refund is not failed"),
            _ => null,
        };
}
