using Billing.Features.Access;
using Billing.Features.Dashboard.Actions;
using Billing.Features.Refunds;
using Billing.Features.Refunds.Api;
using Billing.Features.Refunds.Saga;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Billing.Features.Dashboard.Pages.Refunds;

public sealed class RefundsModel(RefundQueries queries, DashboardQueries dashboard, AccountQueries accounts, RefundActions actions,
    IOptions<RefundOptions> options)
    : DashboardPage
{
    public const int PageSize = 50;

    [FromQuery] public string? Status { get; set; }
    [FromQuery] public string? Method { get; set; }
    [FromQuery] public string? Cause { get; set; }
    [FromQuery] public string? PaymentId { get; set; }
    [FromQuery(Name = "page")] public int PageNumber { get; set; } = 1;

    public IReadOnlyCollection<string> Statuses => RefundStatus.All;
    public IReadOnlyCollection<string> Methods => options.Value.Methods.Keys;
    public RefundPage Result { get; private set; } = new([], 1, PageSize, 0);
    public IReadOnlyList<PaidTwiceRefund> PaidTwice { get; private set; } = [];
    public string? Problem { get; private set; }

    /// <summary>The account of each listed refund's payment, where billing booked it.</summary>
    public IReadOnlyDictionary<string, string> Accounts { get; private set; } = new Dictionary<string, string>();

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        (Status, Method, Cause, PaymentId) = (Blank(Status), Blank(Method), Blank(Cause), Blank(PaymentId));
        PageNumber = Math.Max(1, PageNumber);
        if (OutOfReach(PageNumber, PageSize) is { } refused)
            return refused;
        PaidTwice = await dashboard.PaidTwice(ct);
        var state = Status is null ? null : RefundStatus.StateOf(Status);
        if (Status is not null && state is null)
        {
            Problem = $"Unknown status '{Status}'.";
            return Page();
        }
        Result = await queries.List(new RefundFilter(state, Method, PaymentId: PaymentId, Cause: Cause), PageNumber, PageSize, ct);
        Accounts = await accounts.AccountsOfPayments([.. Result.Items.Select(r => r.PaymentId)], ct);
        return Page();
    }

    /// <summary>
    /// Asks first, with the number of refunds the filter selects now and what they add up to; the confirmed post counts
    /// again and retries only if that is still the number agreed to.
    /// </summary>
    /// <param name="from">The window's start, as the page shows times: UTC (an input of type datetime-local has no zone).</param>
    public async Task<IActionResult> OnPostBulkRetry(string? cause, string? method, DateTime? from, DateTime? to, CancellationToken ct)
    {
        var target = new AuditTarget("refund.bulk_retry", "refund_filter", Describe(Blank(cause), Blank(method), from, to));
        if (await RefusedUnless(Policies.Support, target) is { } refused)
            return refused;
        if (!ModelState.IsValid)
        {
            // Left out, a window that did not read would widen the retry to every time.
            (Flash, FlashIsError) = ("Nothing was retried: the time window is not a date and time.", true);
            return RedirectToPage(new { cause = Blank(cause), method = Blank(method) });
        }
        var (problem, ids) = await actions.BulkRetrySelection(Blank(cause), Blank(method), AsUtc(from), AsUtc(to), ct);
        if (problem is null && ids.Count > 0 && Unconfirmed(new Confirmation(
                $"Retry {ids.Count:N0} refund{(ids.Count == 1 ? "" : "s")} ({target.EntityId})?",
                $"Each failed or needs-support refund this selects gets one more attempt at its provider: up to "
                + $"{string.Join(" and ", (await queries.Amounts(RefundActions.BulkRetryFilter(Blank(cause), Blank(method), AsUtc(from), AsUtc(to)), ct))
                    .Select(a => $"{a.Amount:N2} {a.Currency}"))} goes to customers if the providers accept.",
                ids.Count.ToString(), $"Yes, retry {ids.Count:N0}", Danger: false)) is { } ask)
            return ask;
        var outcome = await actions.BulkRetry(Actor, Blank(cause), Blank(method), AsUtc(from), AsUtc(to), ct);
        await Tell(outcome, $"Retry requested for {(outcome.Body as BulkRetryAnswer)?.Count} refund(s).", target);
        return RedirectToPage(new { cause = Blank(cause), method = Blank(method) });
    }

    /// <summary>The filter as the question and the audit name it: "swish, RF07, from 2026-12-05 10:00 UTC".</summary>
    static string Describe(string? cause, string? method, DateTime? from, DateTime? to) =>
        string.Join(", ", new[]
        {
            method, cause, from is { } f ? $"from {f:yyyy-MM-dd HH:mm} UTC" : null, to is { } t ? $"before {t:yyyy-MM-dd HH:mm} UTC" : null,
        }.Where(p => p is not null)) is { Length: > 0 } described ? described : "no filter";

    public string ExportUrl => QueryString.Create(new Dictionary<string, string?>
    {
        ["status"] = Status, ["method"] = Method, ["cause"] = Cause, ["paymentId"] = PaymentId,
    }.Where(p => p.Value is not null)) is var q ? $"/refunds/export.csv{q}" : "";

    public string PageUrl(int page) => "/dashboard/refunds" + QueryString.Create(new Dictionary<string, string?>
    {
        ["status"] = Status, ["method"] = Method, ["cause"] = Cause, ["paymentId"] = PaymentId, ["page"] = page.ToString(),
    }.Where(p => p.Value is not null));

    /// <summary>Nothing more will be tried: its last error belongs to a past attempt, not to where it stands.</summary>
    public static bool IsClosed(string status) => status is RefundStatus.Refunded or RefundStatus.ResolvedByHand or RefundStatus.Cancelled;

    static DateTimeOffset? AsUtc(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
