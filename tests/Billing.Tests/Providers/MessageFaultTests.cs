using System.Net;

namespace Billing.Tests.Providers;

/// <summary>The payment stand-in's faults (<c>/control/faults/{channel}</c>) on the messaging channels.</summary>
public sealed class MessageFaultTests : IAsyncLifetime
{
    readonly StandInHost _standIn = new();

    [Fact]
    public async Task Permanent_sms_failures_at_rate_one_fail_every_call_and_deliver_nothing()
    {
        await _standIn.SetFaults("sms", """{"failRate":1.0,"failMode":"nonRetryable","seed":42}""");

        var codes = new List<(HttpStatusCode, int)>();
        for (var i = 0; i < 10; i++)
        {
            var response = await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: $"t-{i}");
            codes.Add((response.StatusCode, (await response.Body()).GetProperty("code").GetInt32()));
        }

        codes.Distinct().Order().ShouldBe([(HttpStatusCode.BadRequest, 21610), (HttpStatusCode.BadRequest, 21614)]);
        (await _standIn.Ledger()).Messages!.Sms.ShouldBeEmpty();
    }

    [Fact]
    public async Task Permanent_whatsapp_failures_at_rate_one_fail_every_call_and_deliver_nothing()
    {
        await _standIn.SetFaults("whatsapp", """{"failRate":1.0,"failMode":"nonRetryable","seed":42}""");

        var codes = new List<(HttpStatusCode, int)>();
        for (var i = 0; i < 10; i++)
        {
            var response = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), idempotencyKey: $"k-{i}");
            codes.Add((response.StatusCode, (await response.GraphError()).GetProperty("code").GetInt32()));
        }

        codes.Distinct().Order().ShouldBe([(HttpStatusCode.BadRequest, 131026), (HttpStatusCode.BadRequest, 131030)]);
        (await _standIn.Ledger()).Messages!.WhatsApp.ShouldBeEmpty();
    }

    // Catches a retryable failure kept under its token: the retry would be answered the 500 again and deliver nothing.
    [Fact]
    public async Task A_retryable_sms_failure_delivers_nothing_and_a_retry_with_the_same_token_delivers_once()
    {
        await _standIn.SetFaults("sms", """{"failRate":1.0,"failMode":"retryable"}""");
        var failed = await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms");
        failed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await failed.Body()).GetProperty("code").GetInt32().ShouldBe(20500);

        await _standIn.ResetFaults("sms");
        (await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms")).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem().TimesDelivered.ShouldBe(1);
    }

    [Fact]
    public async Task Retryable_whatsapp_failures_answer_graphs_131000_or_2_and_deliver_nothing()
    {
        await _standIn.SetFaults("whatsapp", """{"failRate":1.0,"failMode":"retryable","seed":7}""");

        var codes = new HashSet<(HttpStatusCode, int)>();
        for (var i = 0; i < 10; i++)
        {
            var response = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate());
            codes.Add((response.StatusCode, (await response.GraphError()).GetProperty("code").GetInt32()));
        }

        codes.Order().ShouldBe([(HttpStatusCode.InternalServerError, 131000), (HttpStatusCode.ServiceUnavailable, 2)]);
        (await _standIn.Ledger()).Messages!.WhatsApp.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_sms_provider_that_times_out_after_accepting_has_delivered_and_a_retry_with_the_token_delivers_nothing_more()
    {
        await _standIn.SetFaults("sms", """{"timeoutAfterPayRate":1.0,"seed":42}""");
        using var impatient = _standIn.CreateClient(timeout: TimeSpan.FromSeconds(1));

        await Should.ThrowAsync<TaskCanceledException>(() => _standIn.PostSms(StandInHost.Sms(), "statement-42-sms", impatient));
        (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem("the message went although the client saw a timeout");

        (await _standIn.PostSms(StandInHost.Sms(), "statement-42-sms")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem().TimesDelivered.ShouldBe(1);
    }

    [Fact]
    public async Task A_whatsapp_provider_that_times_out_after_accepting_has_delivered_the_message()
    {
        await _standIn.SetFaults("whatsapp", """{"timeoutAfterPayRate":1.0,"seed":42}""");
        using var impatient = _standIn.CreateClient(timeout: TimeSpan.FromSeconds(1));

        await Should.ThrowAsync<TaskCanceledException>(() => _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), "statement-42-wa", impatient));

        (await _standIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem().IdempotencyKey.ShouldBe("statement-42-wa");
    }

    [Fact]
    public async Task A_dark_sms_channel_answers_503_in_twilios_shape_while_whatsapp_keeps_delivering()
    {
        await _standIn.SetFaults("sms", $$"""{"darkUntil":"{{_standIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");

        var dark = await _standIn.PostSms(StandInHost.Sms());
        dark.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await dark.Body()).GetProperty("code").GetInt32().ShouldBe(20503);
        (await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate())).StatusCode.ShouldBe(HttpStatusCode.OK);

        var ledger = await _standIn.Ledger();
        ledger.Messages!.Sms.ShouldBeEmpty();
        ledger.Messages.WhatsApp.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Clearing_the_ledger_forgets_delivered_messages()
    {
        await _standIn.PostSms(StandInHost.Sms());
        await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate());

        (await _standIn.Client.DeleteAsync("/control/ledger")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var ledger = await _standIn.Ledger();
        ledger.Messages!.Sms.ShouldBeEmpty();
        ledger.Messages.WhatsApp.ShouldBeEmpty();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}
