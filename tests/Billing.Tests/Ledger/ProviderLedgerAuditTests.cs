using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Ledger;
using Billing.Features.Refunds.Providers;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Passbook;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Ledger;

/// <summary>
/// The auditor reads the card provider's own ledger (Stripe's list of refunds, from the stand-in, through the card adapter)
/// and finds what the passbook and the provider disagree on; an unreachable provider is a note on the audit.
/// </summary>
public class ProviderLedgerAuditTests
{
    [Fact]
    public async Task Refund_entries_the_provider_does_not_have_or_paid_otherwise_and_provider_refunds_never_booked_are_violations()
    {
        await using var passbook = await PassbookStack.Start();
        var (refundId, payment) = await RefundedExcess(passbook);
        var auditor = new LedgerAuditor(passbook.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance);
        var check = Check(passbook, passbook.Stack.StandIns.Url);

        var clean = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None, check);

        (clean.Status, clean.Violations, clean.Notes.Count).ShouldBe(("finished", 0, 0), string.Join("\n",
            await passbook.Stack.Query("select detail from billing.ledger_violation where audit_id = $1", clean.AuditId)));

        // provider_refund_unknown: an entry naming a provider refund the provider never made.
        await passbook.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            select account_id, 'refund', 10, 'SEK', $2, now(), now() from billing.repayment where gateway_payment_id = $1
            """, payment, $"refund:{refundId}:re_ghost");
        // provider_refund_amount: the provider paid 20.00 under our refund id, the entry books 25.
        var paidTwenty = await PayAtProvider(passbook, payment, 2000, refundId.ToString());
        await passbook.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            select account_id, 'refund', 25, 'SEK', $2, now(), now() from billing.repayment where gateway_payment_id = $1
            """, payment, $"refund:{refundId}:{paidTwenty}");
        // provider_refund_unbooked: the provider paid 10.00 of the known payment (another system's refund), never booked.
        var unbooked = await PayAtProvider(passbook, payment, 1000, Guid.NewGuid().ToString());

        // provider_refund_failed: the provider paid 5.00 under our refund id, booked, then failed it (Stripe's late refund.failed,
        // which no webhook brought here: this stack's stand-in has no webhook target), and no reversal is booked.
        await passbook.SetFaults("card", new FaultSettings(LateFailRate: 1));
        var failedLater = await PayAtProvider(passbook, payment, 500, refundId.ToString());
        await passbook.ClearFaults("card");
        await passbook.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            select account_id, 'refund', 5, 'SEK', $2, now(), now() from billing.repayment where gateway_payment_id = $1
            """, payment, $"refund:{refundId}:{failedLater}");
        await Eventually.Get($"the provider to report {failedLater} failed", () => ProviderStatus(passbook, failedLater), status => status == "failed");

        var found = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None, check);

        found.ByRule.Where(r => r.Key.StartsWith("provider_", StringComparison.Ordinal)).OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")
            .ShouldBe(["provider_refund_amount 1", "provider_refund_failed 1", "provider_refund_unbooked 1", "provider_refund_unknown 1"]);
        var details = await passbook.Stack.Query("select rule || ': ' || detail from billing.ledger_violation where audit_id = $1 and rule like 'provider%'",
            found.AuditId);
        details.ShouldContain(d => d.StartsWith("provider_refund_unknown") && d.Contains("re_ghost"));
        details.ShouldContain(d => d.StartsWith("provider_refund_amount") && d.Contains("books 25") && d.Contains("paid 20 SEK"));
        details.ShouldContain(d => d.StartsWith("provider_refund_unbooked") && d.Contains(unbooked));
        details.ShouldContain(d => d.StartsWith("provider_refund_failed") && d.Contains(failedLater) && d.Contains("reports failed"));
    }

    [Fact]
    public async Task An_unreachable_provider_is_a_note_on_a_finished_audit_not_a_failure_or_a_violation_per_refund()
    {
        await using var passbook = await PassbookStack.Start();
        await RefundedExcess(passbook);
        var auditor = new LedgerAuditor(passbook.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance);

        // Port 1 refuses the connection: the provider cannot be reached at all.
        var audit = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None, Check(passbook, "http://127.0.0.1:1"));

        (audit.Status, audit.Violations).ShouldBe(("finished", 0));
        audit.Notes.ShouldHaveSingleItem().ShouldContain("card: the provider's list of refunds could not be read (Unavailable connection_failed");
        (await passbook.Api.GetStringAsync($"/dashboard/ledger?audit={audit.AuditId}")).ShouldContain("audit-note");
    }

    /// <summary>An overpayment whose excess the service refunded through the card stand-in and booked: a clean refunded ledger.</summary>
    static async Task<(Guid RefundId, string Payment)> RefundedExcess(PassbookStack passbook)
    {
        var account = await passbook.Account(owes: 100m);
        await passbook.Repay(PassbookStack.Body(account, 100m, PassbookStack.PaymentId()));
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 100m, payment));
        var refundId = await passbook.WaitForExcess(payment, "refunded");
        await passbook.Stack.WaitUntilIdle();
        return (refundId, payment);
    }

    static ProviderLedgerCheck Check(PassbookStack passbook, string providerUrl)
    {
        var http = new HttpClient { BaseAddress = new Uri(providerUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_ledger_audit");
        var card = new StripeCardRefundProvider(http, NullLogger<StripeCardRefundProvider>.Instance);
        // No grace: the refunds a test pays at the provider a moment ago are due in the passbook already.
        return new ProviderLedgerCheck([card], passbook.Stack.Ground.DataSource, Options.Create(new LedgerAuditOptions { ProviderGrace = TimeSpan.Zero }),
            TimeProvider.System, NullLogger<ProviderLedgerCheck>.Instance);
    }

    /// <summary>The refund's status as the provider (Stripe's GET /v1/refunds/{id}) says it now.</summary>
    static async Task<string?> ProviderStatus(PassbookStack passbook, string providerRefundId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/refunds/{providerRefundId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_other_system");
        using var response = await passbook.Stack.StandIns.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }

    /// <summary>A refund another system made at the provider directly; returns the provider's refund id.</summary>
    static async Task<string> PayAtProvider(PassbookStack passbook, string payment, long minor, string refundId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/refunds")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["payment_intent"] = payment, ["amount"] = minor.ToString(), ["currency"] = "sek", ["metadata[refund_id]"] = refundId,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_other_system");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await passbook.Stack.StandIns.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
