using Billing.Features.Access;
using Billing.Features.Refunds.Api;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages.Refunds;

public sealed class RefundModel(RefundQueries queries, RefundActions actions, AccountQueries accounts) : DashboardPage
{
    [FromRoute]
    public Guid RefundId { get; set; }

    public RefundView Refund { get; private set; } = null!;

    /// <summary>The account whose payment this refunds, when billing booked that payment.</summary>
    public string? AccountId { get; private set; }

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        if (await queries.Find(RefundId, ct) is not { } refund)
            return NotFoundPage($"No refund {RefundId}.");
        Refund = refund;
        AccountId = (await accounts.AccountsOfPayments([refund.PaymentId], ct)).GetValueOrDefault(refund.PaymentId);
        return Page();
    }

    public Task<IActionResult> OnPostRetry(CancellationToken ct) =>
        Act(() => actions.Retry(RefundId, Actor, ct), "Retry requested.");

    // An unticked checkbox sends nothing: here that means "not paid another way".
    public Task<IActionResult> OnPostResolve(string? note, bool paidElsewhere, CancellationToken ct) =>
        Act(() => actions.Resolve(RefundId, Actor, note, paidElsewhere, ct), "Marked resolved.");

    public Task<IActionResult> OnPostCancel(string? reason, CancellationToken ct) =>
        Act(() => actions.Cancel(RefundId, Actor, reason, ct), "Cancel requested.");

    async Task<IActionResult> Act(Func<Task<ActionOutcome>> action, string accepted)
    {
        if (!await Allowed(Policies.Support))
            return Refused();
        Tell(await action(), accepted);
        return RedirectToPage(new { RefundId });
    }
}
