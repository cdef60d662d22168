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

    static async Task Export(HttpContext http, RefundQueries queries, IOptions<RefundOptions> options, TimeProvider clock, string? status = null, string? method = null, DateTimeOffset? from = null,
        DateTimeOffset? to = null, string? paymentId = null, string? providerRefundId = null, string? cause = null)
    {
        var problems = RefundEndpoints.FilterProblems(status, from, to, out var state, method, options.Value.Methods.Keys, cause);
        if (problems.Count > 0)
        {
            await Results.ValidationProblem(problems).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{ExportName(clock.GetUtcNow(), status, method, cause, paymentId, providerRefundId, from, to)}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        await writer.WriteLineAsync("refund_id,status,payment_id,amount,currency,method,requested_at,attempts,last_error_code,provider_refund_id,closed_by,closed_at,close_note");
        await foreach (var r in queries.All(new RefundFilter(state, method, from, to, paymentId, providerRefundId, cause)).WithCancellation(http.RequestAborted))
            await writer.WriteLineAsync(string.Join(',', new[]
            {
                r.RefundId.ToString(), r.Status, r.PaymentId, PlainAmount(r.Amount), r.Currency.Trim(), r.Method,
                r.RequestedAt.ToString("O", CultureInfo.InvariantCulture), r.AttemptCount.ToString(CultureInfo.InvariantCulture), r.LastErrorCode,
                r.ProviderRefundId, r.ClosedBy, r.ClosedAt?.ToString("O", CultureInfo.InvariantCulture), r.CloseNote,
            }.Select(Field)));
    }

    /// <summary>
    /// The amount as a plain decimal in the currency's units beside the currency column: "69.00", not the column's stored
    /// scale ("69.0000") nor a locale's "69,00"; at least two decimals, more only where the amount has them.
    /// </summary>
    internal static string PlainAmount(decimal amount) => amount.ToString("0.00##########", CultureInfo.InvariantCulture);

    /// <summary>
    /// The file's name says what it holds: <c>refunds-needs_support-swish-RF07-2026-12-07.csv</c>, the filter's values in
    /// order and the UTC date of the export; only letters, digits, '-', '_' and '.' survive in a value.
    /// </summary>
    internal static string ExportName(DateTimeOffset now, params object?[] filter)
    {
        var parts = filter.Select(v => v switch
            {
                DateTimeOffset t => t.UtcDateTime.ToString("yyyyMMdd'T'HHmm", CultureInfo.InvariantCulture),
                string text => new string(text.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(40).ToArray()),
                _ => "",
            })
            .Where(p => p.Length > 0);
        return string.Join('-', ["refunds", .. parts, now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)]) + ".csv";
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
