using System.Net;
using Billing.Providers.StandIn;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Providers;

/// <summary>
/// The card provider forgets an idempotency key once StandIn:IdempotencyWindow (24 h, as Stripe) has passed, so a
/// service that retries that late without looking up first pays twice here as it would against Stripe.
/// </summary>
public sealed class IdempotencyWindowTests : IAsyncLifetime
{
    static readonly TimeSpan Window = TimeSpan.FromHours(24);
    const string Instruction = "3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B";

    readonly StandInHost _standIn = new();

    // Catches keys that never expire: the last retry is replayed and the ledger shows one payment.
    [Fact]
    public async Task A_card_key_replays_within_the_window_and_pays_again_once_it_has_passed()
    {
        var first = await (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"))).Body();

        _standIn.Clock.Advance(Window - TimeSpan.FromSeconds(1));
        var withinWindow = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"));
        withinWindow.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await withinWindow.Body()).Text("id").ShouldBe(first.Text("id"));
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem();

        _standIn.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterWindow = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"));

        afterWindow.StatusCode.ShouldBe(HttpStatusCode.OK);
        afterWindow.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await afterWindow.Body()).Text("id").ShouldNotBe(first.Text("id"));
        var ledger = await _standIn.Ledger();
        ledger.Payments.Count(p => p.Reference == "rf-1").ShouldBe(2);
        var key = ledger.Keys.ShouldHaveSingleItem();
        (key.IdempotencyKey, key.TimesPaid, key.Requests).ShouldBe(("rf-1", 2, 3));
        var reference = ledger.References.ShouldHaveSingleItem();
        (reference.Reference, reference.TimesPaid, reference.RefundRequests).ShouldBe(("rf-1", 2, 3));
    }

    // Catches keys that never expire (the other amount is refused as an idempotency_error) and an expiry that drops
    // the refund along with its key (the refund is no longer found by id or by payment intent).
    [Fact]
    public async Task A_forgotten_key_takes_other_parameters_as_a_new_refund_and_the_old_refund_is_still_found()
    {
        var first = (await (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(paymentIntent: "pi_7", amount: 1250))).Body()).Text("id");
        _standIn.Clock.Advance(Window);

        (await _standIn.Client.GetAsync("/v1/refunds/by-idempotency-key/rf-1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var other = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(paymentIntent: "pi_7", amount: 500));

        other.StatusCode.ShouldBe(HttpStatusCode.OK);
        var second = (await other.Body()).Text("id");
        (await (await _standIn.Client.GetAsync($"/v1/refunds/{first}")).Body()).GetProperty("amount").GetInt64().ShouldBe(1250);
        var list = await (await _standIn.Client.GetAsync("/v1/refunds?payment_intent=pi_7")).Body();
        list.GetProperty("data").EnumerateArray().Select(r => r.Text("id")).ShouldBe([second, first]);
        (await _standIn.Ledger()).Payments.Select(p => p.AmountMinor).ShouldBe([1250L, 500L]);
    }

    // Catches giving Swish the card window: the late PUT pays a second time.
    [Fact]
    public async Task A_swish_instruction_is_never_forgotten_so_a_late_put_replays()
    {
        (await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund())).StatusCode.ShouldBe(HttpStatusCode.Created);
        _standIn.Clock.Advance(Window * 30);

        (await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund())).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem();
        (await (await _standIn.Client.GetAsync($"/swish-cpcapi/api/v1/refunds/{Instruction}")).Body()).Text("status").ShouldBe("PAID");
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-01:00:00")]
    public void A_window_that_is_not_positive_is_refused(string window)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["StandIn:IdempotencyWindow"] = window })
            .Build();
        using var services = new ServiceCollection().AddProviderStandIn(configuration).BuildServiceProvider();

        Should.Throw<OptionsValidationException>(() => services.GetRequiredService<IOptions<StandInOptions>>().Value)
            .Message.ShouldContain("IdempotencyWindow");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}
