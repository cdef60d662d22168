using System.Net;
using Billing.Providers.StandIn;
using Billing.Providers.StandIn.Control;

using Billing.Tests.Support;

namespace Billing.Tests.Providers;

/// <summary>
/// The ledger's request log and reference tally: what the service asked the provider, and how often each of its
/// refunds was paid whatever keys it used, so a test checks the service rather than the stand-in's idempotency.
/// </summary>
public sealed class RequestLogTests : IAsyncLifetime
{
    const string Instruction = "9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D";
    const string OtherInstruction = "1F2E3D4C5B6A79880716253443526170";

    readonly StandInHost _standIn = new();

    // Catches a status recorded for an answer nobody received (the held POST shows 200) and a retry that is not
    // noted as replayed.
    [Fact]
    public async Task The_log_shows_a_timeout_after_pay_then_a_lookup_then_a_retry_that_replayed_without_paying()
    {
        await _standIn.SetFaults("card", """{"timeoutAfterPayRate":1.0,"seed":42}""");
        using var impatient = _standIn.CreateClient(timeout: TimeSpan.FromSeconds(1));
        var sentAt = _standIn.Clock.GetUtcNow();

        await Should.ThrowAsync<TaskCanceledException>(() => _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"), impatient));
        await _standIn.ResetFaults("card");
        _standIn.Clock.Advance(TimeSpan.FromSeconds(10));
        (await _standIn.Client.GetAsync("/v1/refunds?payment_intent=pi_1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var ledger = await _standIn.Ledger();
        ledger.Requests.Select(r => (r.Operation, r.IdempotencyKey, r.Reference, r.PaymentIntent, r.Status, r.Paid, r.Replayed)).ShouldBe([
            (ProviderOperation.Refund, "rf-1", "rf-1", null, null, true, false),
            (ProviderOperation.Lookup, null, null, "pi_1", 200, false, false),
            (ProviderOperation.Refund, "rf-1", "rf-1", null, 200, false, true),
        ]);
        ledger.Requests.Select(r => r.ReceivedAt).ShouldBe([sentAt, sentAt.AddSeconds(10), sentAt.AddSeconds(10)]);
        ledger.Requests.ShouldAllBe(r => r.Method == PaymentMethod.Card);
        ledger.Requests[0].Path.ShouldBe("/v1/refunds");

        // What a service test asserts: nothing was sent that could pay, after the timeout, except under the same key.
        ledger.Requests.Where(r => r.Operation == ProviderOperation.Refund && r.ReceivedAt > sentAt)
            .ShouldAllBe(r => r.IdempotencyKey == "rf-1" && !r.Paid);
    }

    // Catches log lines appended when answered instead of when received: the held request is missing while it is
    // held. Service tests rely on it to see a paying request still in flight (status null). It also caught, now and
    // then, a request marked paid after its payment was recorded instead of with it (payment listed, request unpaid).
    [Fact]
    public async Task A_request_held_after_paying_is_in_the_log_before_it_is_answered()
    {
        await _standIn.SetFaults("card", """{"timeoutAfterPayRate":1.0,"seed":42}""");
        using var giveUp = new CancellationTokenSource();
        var held = _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"), cancellationToken: giveUp.Token);

        // The hold lasts 5 s (StandInHost); the payment shows within milliseconds, and the request must already be logged.
        var ledger = await Eventually.Get("the held refund's payment in the ledger", _standIn.Ledger, l => l.Payments.Count > 0,
            TimeSpan.FromSeconds(4), l => $"{l.Payments.Count} payments");

        ledger.Payments.ShouldHaveSingleItem();
        var inFlight = ledger.Requests.ShouldHaveSingleItem();
        (inFlight.Operation, inFlight.IdempotencyKey, inFlight.Paid, inFlight.Status).ShouldBe((ProviderOperation.Refund, "rf-1", true, (int?)null));
        await giveUp.CancelAsync();
        await Should.ThrowAsync<TaskCanceledException>(() => held);
    }

    // Catches a reference taken from the idempotency key: each key paid once, so only the reference shows the double.
    [Fact]
    public async Task One_refund_paid_under_two_keys_shows_as_paid_twice_for_its_reference()
    {
        await _standIn.PostCardRefund("attempt-1", StandInHost.CardRefund(refundId: "rf-1"));
        await _standIn.PostCardRefund("attempt-2", StandInHost.CardRefund(refundId: "rf-1"));
        await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(reference: "rf-2"));
        await _standIn.PutSwishRefund(OtherInstruction, StandInHost.SwishRefund(reference: "rf-2"));

        var ledger = await _standIn.Ledger();

        ledger.Keys.Count.ShouldBe(4);
        ledger.Keys.ShouldAllBe(k => k.TimesPaid == 1 && k.Requests == 1);
        ledger.References.Select(r => (r.Method, r.Reference, r.TimesPaid, r.RefundRequests, r.Lookups)).ShouldBe([
            (PaymentMethod.Card, "rf-1", 2, 2, 0),
            (PaymentMethod.Swish, "rf-2", 2, 2, 0),
        ]);
    }

    // Catches lookups that do not note the found refund's reference (Lookups stays 0).
    [Fact]
    public async Task Lookups_that_find_a_refund_count_under_its_reference_and_a_list_by_payment_intent_names_the_intent()
    {
        var id = (await (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"))).Body()).Text("id");
        await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(reference: "rf-2"));

        await _standIn.Client.GetAsync($"/v1/refunds/{id}");
        await _standIn.Client.GetAsync("/v1/refunds/by-idempotency-key/rf-1");
        await _standIn.Client.GetAsync("/v1/refunds?payment_intent=pi_1");
        await _standIn.Client.GetAsync($"/swish-cpcapi/api/v1/refunds/{Instruction}");
        await _standIn.Client.GetAsync("/v1/refunds/by-idempotency-key/rf-never-sent");

        var ledger = await _standIn.Ledger();
        ledger.Requests.Where(r => r.Operation == ProviderOperation.Lookup)
            .Select(r => (r.Method, r.IdempotencyKey, r.Reference, r.PaymentIntent, r.RefundId, r.Status)).ShouldBe([
                (PaymentMethod.Card, null, "rf-1", null, id, 200),
                (PaymentMethod.Card, "rf-1", "rf-1", null, null, 200),
                (PaymentMethod.Card, null, null, "pi_1", null, 200),
                (PaymentMethod.Swish, Instruction, "rf-2", null, null, 200),
                (PaymentMethod.Card, "rf-never-sent", null, null, null, 404),
            ]);
        ledger.References.Select(r => (r.Reference, r.TimesPaid, r.RefundRequests, r.Lookups)).ShouldBe([("rf-1", 1, 1, 2), ("rf-2", 1, 1, 1)]);
    }

    // Catches the log sitting behind the fault filter or the API key check: those requests reached the provider too.
    [Fact]
    public async Task Requests_a_dark_provider_or_a_missing_api_key_refused_are_logged()
    {
        await _standIn.SetFaults("swish", $$"""{"darkUntil":"{{_standIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");
        using var anonymous = _standIn.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;

        await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund());
        await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(), anonymous);

        (await _standIn.Ledger()).Requests.Select(r => (r.Method, r.Operation, r.IdempotencyKey, r.Status, r.Paid)).ShouldBe([
            (PaymentMethod.Swish, ProviderOperation.Refund, Instruction, 503, false),
            (PaymentMethod.Card, ProviderOperation.Refund, "rf-1", 401, false),
        ]);
    }

    // Catches a clear that leaves the request log (the first POST is still listed) or that drops the idempotency
    // keys (the retry pays again).
    [Fact]
    public async Task Clearing_the_ledger_forgets_payments_and_requests_but_not_the_keys()
    {
        await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund());

        (await _standIn.Client.DeleteAsync("/control/ledger")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var cleared = await _standIn.Ledger();
        cleared.Payments.ShouldBeEmpty();
        cleared.Keys.ShouldBeEmpty();
        cleared.References.ShouldBeEmpty();
        cleared.Requests.ShouldBeEmpty();
        (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund())).Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        var after = await _standIn.Ledger();
        after.Payments.ShouldBeEmpty();
        after.Requests.ShouldHaveSingleItem().Replayed.ShouldBeTrue();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}
