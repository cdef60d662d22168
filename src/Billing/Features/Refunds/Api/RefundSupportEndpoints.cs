using System.Globalization;
using System.Security.Claims;
using System.Text;
using Billing.Features.Access;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Api;

public sealed record ResolveBody(string? Note, bool? PaidElsewhere);

public sealed record CancelBody(string? Reason);

public sealed record BulkRetryBody(string? Cause, string? Method, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// Support's daily tools: close a refund by hand (resolved with a note, or cancelled), retry many at once by cause,
/// method or time window, and export a filtered list as CSV. Each records who asked and when; the saga decides, so an
/// action on a refund that has moved on meanwhile changes nothing.
/// </summary>
public static class RefundSupportEndpoints
{
    public static RouteGroupBuilder MapSupportTools(this RouteGroupBuilder refunds)
    {
        refunds.MapPost("/{refundId:guid}/resolve", Resolve).RequireAuthorization(Policies.Support).WithSummary("Support: close a failed refund by hand with a note (paid another way, or not to be paid).");
        refunds.MapPost("/{refundId:guid}/cancel", Cancel).RequireAuthorization(Policies.Support).WithSummary("Support: cancel a failed refund; it no longer counts against its payment.");
        refunds.MapPost("/retry", BulkRetry).RequireAuthorization(Policies.Support).WithSummary("Support: one more attempt for every failed refund with this cause, method or request time.");
        refunds.MapGet("/export.csv", Export).RequireAuthorization(Policies.Staff).WithSummary("The refunds a filter selects, as CSV.");
        return refunds;
    }

    static async Task<IResult> Resolve(Guid refundId, ResolveBody body, ClaimsPrincipal user, RefundActions actions, CancellationToken cancellationToken) =>
        (await actions.Resolve(refundId, Actor.Of(user), body.Note, body.PaidElsewhere, cancellationToken)).ToResult();

    static async Task<IResult> Cancel(Guid refundId, CancelBody body, ClaimsPrincipal user, RefundActions actions, CancellationToken cancellationToken) =>
        (await actions.Cancel(refundId, Actor.Of(user), body.Reason, cancellationToken)).ToResult();

    static async Task<IResult> BulkRetry(BulkRetryBody body, ClaimsPrincipal user, RefundActions actions, CancellationToken cancellationToken) =>
        (await actions.BulkRetry(Actor.Of(user), body.Cause, body.Method, body.From, body.To, cancellationToken)).ToResult();

    static async Task Export(HttpContext http, RefundQueries queries, IOptions<RefundOptions> options, string? status = null, string? method = null, DateTimeOffset? from = null,
        DateTimeOffset? to = null, string? paymentId = null, string? providerRefundId = null, string? cause = null)
    {
        var problems = RefundEndpoints.FilterProblems(status, from, to, out var state, method, options.Value.Methods.Keys, cause);
        if (problems.Count > 0)
        {
            await Results.ValidationProblem(problems).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"refunds.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        await writer.WriteLineAsync("refund_id,status,payment_id,amount,currency,method,requested_at,attempts,last_error_code,provider_refund_id,closed_by,closed_at,close_note");
        await foreach (var r in queries.All(new RefundFilter(state, method, from, to, paymentId, providerRefundId, cause)).WithCancellation(http.RequestAborted))
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
}
