using Billing.Features.Access;
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

    /// <param name="from">The window's start, as the page shows times: UTC (an input of type datetime-local has no zone).</param>
    public async Task<IActionResult> OnPostBulkRetry(string? cause, string? method, DateTime? from, DateTime? to, CancellationToken ct)
    {
        if (!await Allowed(Policies.Support))
            return Refused();
        if (!ModelState.IsValid)
        {
            // Left out, a window that did not read would widen the retry to every time.
            (Flash, FlashIsError) = ("Nothing was retried: the time window is not a date and time.", true);
            return RedirectToPage(new { cause = Blank(cause), method = Blank(method) });
        }
        var outcome = await actions.BulkRetry(Actor, Blank(cause), Blank(method), AsUtc(from), AsUtc(to), ct);
        Tell(outcome, $"Retry requested for {(outcome.Body as BulkRetryAnswer)?.Count} refund(s).");
        return RedirectToPage(new { cause = Blank(cause), method = Blank(method) });
    }

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
