using System.Net;
using Billing.Providers.StandIn;

namespace Billing.Tests.Providers;

public sealed class SwishRefundTests : IAsyncLifetime
{
    const string Instruction = "0D5B1E0F6A8C4B7E9F2A3C4D5E6F7A8B";

    readonly StandInHost _standIn = new();

    [Fact]
    public async Task A_swish_refund_put_twice_is_created_twice_over_but_paid_once()
    {
        var first = await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(amount: "100.00"));
        var second = await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(amount: "100.00"));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.Headers.Location.ShouldBe(first.Headers.Location);
        first.Headers.Location!.AbsolutePath.ShouldBe($"/swish-cpcapi/api/v1/refunds/{Instruction}");

        var refund = await (await _standIn.Client.GetAsync(first.Headers.Location)).Body();
        (refund.Text("id"), refund.Text("status"), refund.GetProperty("amount").GetDecimal(), refund.Text("currency"))
            .ShouldBe((Instruction, "PAID", 100.00m, "SEK"));

        var payment = (await _standIn.Ledger()).Payments.ShouldHaveSingleItem();
        (payment.Method, payment.IdempotencyKey, payment.Reference, payment.AmountMinor, payment.Currency)
            .ShouldBe((PaymentMethod.Swish, Instruction, "rf-2", 10000L, "SEK"));
    }

    [Fact]
    public async Task A_reused_instruction_uuid_with_a_different_body_is_a_conflict_and_pays_nothing_more()
    {
        await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(amount: "100.00"));
        var reused = await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(amount: "250.00"));

        reused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await reused.SwishErrorCodes()).ShouldBe(["RF02"]);
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem().AmountMinor.ShouldBe(10000);
    }

    [Fact]
    public async Task An_unknown_swish_refund_is_not_found()
    {
        var response = await _standIn.Client.GetAsync($"/swish-cpcapi/api/v1/refunds/{Instruction}");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("100", "PA02")]
    [InlineData("100.5", "PA02")]
    [InlineData("100,00", "PA02")]
    [InlineData("-5.00", "PA02")]
    [InlineData("0.50", "AM06")]
    public async Task A_malformed_swish_amount_gets_a_swish_error_and_records_nothing(string amount, string code)
    {
        var response = await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(amount: amount));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.SwishErrorCodes()).ShouldBe([code]);
        await NothingWasRecorded();
    }

    [Theory]
    [InlineData("\"currency\":\"SEK\"", "\"currency\":\"EUR\"", "AM03")]
    [InlineData("https://billing.example", "http://billing.example", "RP03")]
    [InlineData("\"payerAlias\":\"1231181189\"", "\"payerAlias\":\"\"", "RP01")]
    [InlineData("\"originalPaymentReference\":\"6D6CD7406ECE4542A80152D909EF9F6B\"", "\"originalPaymentReference\":null", "FF08")]
    public async Task Bad_swish_fields_get_swish_errors_and_record_nothing(string replace, string with, string code)
    {
        var response = await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund().Replace(replace, with));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.SwishErrorCodes()).ShouldBe([code]);
        await NothingWasRecorded();
    }

    [Theory]
    [InlineData(Instruction, "{\"amount\":100.00}")]
    [InlineData(Instruction, "not json")]
    [InlineData("0d5b1e0f6a8c4b7e9f2a3c4d5e6f7a8b", null)]
    [InlineData("not-a-uuid", null)]
    public async Task A_malformed_swish_request_is_a_bad_request_and_records_nothing(string instruction, string? json)
    {
        var response = await _standIn.PutSwishRefund(instruction, json ?? StandInHost.SwishRefund());

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.SwishErrorCodes()).ShouldBe(["RP02"]);
        await NothingWasRecorded();
    }

    async Task NothingWasRecorded()
    {
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();
        // Nothing was kept under the instruction either: a corrected request is paid.
        (await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund())).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}
