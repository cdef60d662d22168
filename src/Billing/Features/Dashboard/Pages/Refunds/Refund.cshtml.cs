using Billing.Features.Access;
using Billing.Features.Dashboard.Actions;
using Billing.Features.Refunds.Api;
using Billing.Features.Refunds.Saga;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages.Refunds;

public sealed class RefundModel(RefundQueries queries, RefundActions actions, AccountQueries accounts, TimeProvider clock) : DashboardPage
{
    [FromRoute]
    public Guid RefundId { get; set; }

    public RefundView Refund { get; private set; } = null!;

    /// <summary>The account whose payment this refunds, when billing booked that payment.</summary>
    public string? AccountId { get; private set; }

    /// <summary>The action this page just had accepted ("retry", "resolve", "cancel"), which the saga may not have taken up yet.</summary>
    [FromQuery]
    public string? Expect { get; set; }

    /// <summary>When it was accepted, in Unix milliseconds.</summary>
    [FromQuery]
    public long? After { get; set; }

    /// <summary>How long the page waits for the saga to take up an accepted action before it stops asking.</summary>
    static readonly TimeSpan TakeUp = TimeSpan.FromMinutes(1);

    /// <summary>Something is under way (an attempt, a retry, a close): the page follows it until it settles.</summary>
    public bool InFlight => Refund.Status is RefundStatus.Attempting or RefundStatus.Retrying or RefundStatus.Reconciling
        or RefundStatus.RetryingManually or RefundStatus.Resolving or "requested"
        || Awaited;

    /// <summary>
    /// The action was accepted but the saga has not taken it up yet (the refund still looks as before it), so the page
    /// keeps following rather than settle on the old status.
    /// </summary>
    bool Awaited => Expect is not null && After is { } after && DateTimeOffset.FromUnixTimeMilliseconds(after) is var at
        && clock.GetUtcNow() < at + TakeUp
        && (Expect == "retry" ? !(Refund.ManualRetryAt >= at) : RefundStatus.AllowsClosing(Refund.Status));

    public string LiveUrl => $"/dashboard/refunds/{RefundId}?handler=live"
        + (Expect is null || After is null ? "" : $"&expect={Uri.EscapeDataString(Expect)}&after={After}");

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        if (await queries.Find(RefundId, ct) is not { } refund)
            return NotFoundPage($"No refund {RefundId}.");
        Refund = refund;
        AccountId = (await accounts.AccountsOfPayments([refund.PaymentId], ct)).GetValueOrDefault(refund.PaymentId);
        return Page();
    }

    /// <summary>The live part of the page (status, figures, attempts, actions), for its polling while something is under way.</summary>
    public async Task<IActionResult> OnGetLive(CancellationToken ct)
    {
        if (await queries.Find(RefundId, ct) is not { } refund)
            return NotFoundPage($"No refund {RefundId}.");
        Refund = refund;
        return Partial("_RefundLive", this);
    }

    public Task<IActionResult> OnPostRetry(CancellationToken ct) =>
        Act("refund.retry", r => new Confirmation($"Retry refund {Short(r)} of {Money(r)}?",
                $"One more attempt at {r.Method}: if the provider accepts it, {Money(r)} goes to the customer.", r.Status, "Yes, retry it", Danger: false),
            () => actions.Retry(RefundId, Actor, ct), "Retry requested.", ct);

    // An unticked checkbox sends nothing: here that means "not paid another way".
    public Task<IActionResult> OnPostResolve(string? note, bool paidElsewhere, CancellationToken ct) =>
        Act("refund.resolve", r => new Confirmation($"Mark refund {Short(r)} of {Money(r)} resolved by hand?",
                paidElsewhere
                    ? $"It closes without another attempt, as paid another way: the {Money(r)} still counts against the payment. Note: {note}"
                    : $"It closes without another attempt and the customer gets no {Money(r)} from it. Note: {note}",
                r.Status, "Yes, mark it resolved", Danger: true),
            () => actions.Resolve(RefundId, Actor, note, paidElsewhere, ct), "Marked resolved.", ct, ready: !string.IsNullOrWhiteSpace(note));

    public Task<IActionResult> OnPostCancel(string? reason, CancellationToken ct) =>
        Act("refund.cancel", r => new Confirmation($"Cancel refund {Short(r)} of {Money(r)}?",
                $"The customer gets no {Money(r)} from this refund, and it cannot be retried afterwards. Reason: {reason}",
                r.Status, "Yes, cancel the refund", Danger: true),
            () => actions.Cancel(RefundId, Actor, reason, ct), "Cancel requested.", ct, ready: !string.IsNullOrWhiteSpace(reason));

    /// <summary>
    /// Role check, then the confirmation (asked only of an open refund with what the action needs; anything else goes
    /// straight to the action, which refuses it and changes nothing), then the action, its refusal audited.
    /// </summary>
    async Task<IActionResult> Act(string action, Func<RefundView, Confirmation> question, Func<Task<ActionOutcome>> act, string accepted,
        CancellationToken ct, bool ready = true)
    {
        var target = new AuditTarget(action, "refund", RefundId.ToString());
        if (await RefusedUnless(Policies.Support, target) is { } refused)
            return refused;
        if (ready && await queries.Find(RefundId, ct) is { } refund && RefundStatus.AllowsClosing(refund.Status)
            && Unconfirmed(question(refund)) is { } ask)
            return ask;
        // Taken before the action, so the saga's record of it is at or after this (the action reads the same clock).
        var asked = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var outcome = await act();
        await Tell(outcome, accepted, target);
        return outcome.IsAccepted
            ? RedirectToPage(new { RefundId, expect = action["refund.".Length..], after = asked })
            : RedirectToPage(new { RefundId });
    }

    static string Short(RefundView r) => r.RefundId.ToString()[..8];

    static string Money(RefundView r) => Figures.Money(r.Amount, r.Currency);
}
