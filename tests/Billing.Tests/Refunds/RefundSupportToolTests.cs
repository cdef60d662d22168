using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Refunds.Api;
using Billing.Providers.StandIn.Control;

namespace Billing.Tests.Refunds;

/// <summary>Support's tools: resolve by hand, cancel, bulk retry, search and CSV export, each with who and when.</summary>
public class RefundSupportToolTests
{
    [Fact]
    public async Task A_refund_resolved_by_hand_as_not_to_be_paid_keeps_who_when_and_why_and_frees_the_payments_balance()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.KnownPayment("pi_resolve", 10m);
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_resolve", 10m));
        await refunds.WaitFor(id, "failed");
        using (var blocked = await refunds.PostRefund(Key(), RefundStack.Body("pi_resolve", 10m)))
            blocked.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "the failed refund still holds the payment's balance");

        using (var noNote = await refunds.Api.PostAsJsonAsync($"/refunds/{id}/resolve", new { paidElsewhere = false }))
            noNote.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using (var resolve = await (await refunds.As("gus@support")).PostAsJsonAsync($"/refunds/{id}/resolve",
                   new { note = "Customer withdrew the claim by phone", paidElsewhere = false }))
            resolve.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var resolved = await refunds.WaitFor(id, "resolved_by_hand");
        (resolved.ClosedBy, resolved.CloseNote, resolved.CountsAgainstPayment).ShouldBe(("key:gus@support", "Customer withdrew the claim by phone", false));
        resolved.ClosedAt.ShouldNotBeNull();
        (await refunds.Stack.Query("""
            select actor || '|' || action || '|' || (before->>'status') || '|' || (after->>'status') || '|' || note
            from audit.entry where entity_type = 'refund' and entity_id = $1
            """, id.ToString())).ShouldBe(["key:gus@support|refund.resolve|failed|resolve_requested|Customer withdrew the claim by phone"]);
        using (var again = await (await refunds.As("gus@support")).PostAsJsonAsync($"/refunds/{id}/cancel", new { reason = "twice" }))
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        await refunds.ClearFaults("card");
        await refunds.Refund(Key(), RefundStack.Body("pi_resolve", 10m));
        var stats = await refunds.Api.GetFromJsonAsync<JsonElement>("/refunds/errors");
        stats.GetProperty("open").GetArrayLength().ShouldBe(0, "a refund resolved by hand is not open");
    }

    [Fact]
    public async Task A_cancelled_refund_is_skipped_by_the_reconciler_and_a_bulk_retry_by_method_attempts_each_matching_refund_once()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var swish = await Task.WhenAll(refunds.Refund(Key(), RefundStack.Body("swish_bulk_1", 21m, method: "swish")),
            refunds.Refund(Key(), RefundStack.Body("swish_bulk_2", 22m, method: "swish")));
        var card = await refunds.Refund(Key(), RefundStack.Body("pi_bulk", 23m));
        var cancelled = await refunds.Refund(Key(), RefundStack.Body("swish_cancel", 24m, method: "swish"));
        foreach (var id in swish.Append(card).Append(cancelled))
            await refunds.WaitFor(id, "failed");

        // Found by cause, in the list and in the export, the dashboard's CSV link among its callers.
        var cause = (await refunds.Get(card)).LastErrorCode.ShouldNotBeNull();
        Guid[] withCause = [.. (await Task.WhenAll(swish.Append(card).Append(cancelled).Select(refunds.Get)))
            .Where(r => r.LastErrorCode == cause).Select(r => r.RefundId)];
        var byCause = await refunds.Api.GetFromJsonAsync<RefundPage>($"/refunds?cause={Uri.EscapeDataString(cause)}", RefundStack.Json);
        byCause!.Items.Select(r => r.RefundId).ShouldBe(withCause, ignoreOrder: true);
        (await refunds.Api.GetFromJsonAsync<RefundPage>("/refunds?cause=no_such_cause", RefundStack.Json))!.Total.ShouldBe(0);
        var csvByCause = (await refunds.Api.GetStringAsync($"/refunds/export.csv?cause={Uri.EscapeDataString(cause)}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        csvByCause.Skip(1).Select(l => Guid.Parse(l.Split(',')[0])).ShouldBe(withCause, ignoreOrder: true);
        using (var tooLong = await refunds.Api.GetAsync($"/refunds/export.csv?cause={new string('x', 101)}"))
            tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        using (var cancel = await (await refunds.As("hana@support")).PostAsJsonAsync($"/refunds/{cancelled}/cancel", new { reason = "duplicate request" }))
            cancel.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var closed = await refunds.WaitFor(cancelled, "cancelled");
        (closed.ClosedBy, closed.CloseNote).ShouldBe(("key:hana@support", "duplicate request"));

        await refunds.ClearFaults("swish");
        using (var everything = await (await refunds.As("hana@support")).PostAsJsonAsync("/refunds/retry", new { }))
            everything.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "a retry of everything needs a filter");
        // A double click: each matching refund is still attempted once.
        using var bulk = await (await refunds.As("hana@support")).PostAsJsonAsync("/refunds/retry", new { method = "swish" });
        using var twice = await (await refunds.As("hana@support")).PostAsJsonAsync("/refunds/retry", new { method = "swish" });
        bulk.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await bulk.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32().ShouldBe(2, "the cancelled one is not failed any more");

        foreach (var id in swish)
        {
            var refunded = await refunds.WaitFor(id, "refunded");
            refunded.ManualRetryBy.ShouldBe("key:hana@support");
            refunded.Attempts!.Count(a => a.Lane == "manual").ShouldBe(1);
        }
        await refunds.Stack.WaitUntilIdle();
        (await refunds.Get(card)).Status.ShouldBe("failed");
        (await refunds.Get(cancelled)).Status.ShouldBe("cancelled");
        (await refunds.TimesPaid(cancelled)).ShouldBe(0);
    }

    [Fact]
    public async Task Refunds_are_found_by_payment_id_and_provider_refund_id_and_exported_as_csv()
    {
        await using var refunds = await RefundStack.Start();
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_search", 31.5m, reason: "duplicate, \"double\" charge"));
        await refunds.Refund(Key(), RefundStack.Body("pi_other", 5m));
        var paid = await refunds.WaitFor(id, "refunded");

        var byPayment = await refunds.Api.GetFromJsonAsync<RefundPage>("/refunds?paymentId=pi_search", RefundStack.Json);
        var byProvider = await refunds.Api.GetFromJsonAsync<RefundPage>($"/refunds?providerRefundId={paid.ProviderRefundId}", RefundStack.Json);
        byPayment!.Items.ShouldHaveSingleItem().RefundId.ShouldBe(id);
        byProvider!.Items.ShouldHaveSingleItem().RefundId.ShouldBe(id);

        using var csv = await refunds.Api.GetAsync("/refunds/export.csv?paymentId=pi_search");
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(2);
        lines[0].ShouldStartWith("refund_id,status,payment_id,amount");
        lines[1].ShouldStartWith($"{id},refunded,pi_search,31.50,SEK,");
        lines[1].ShouldContain(paid.ProviderRefundId!);
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}
