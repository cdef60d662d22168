using Billing.Features.Notifications;
using Billing.Tests.Providers;

namespace Billing.Tests.Notifications;

/// <summary>
/// The SMS adapter against the Twilio-shaped stand-in. Each test has a stand-in of its own (faults die with it, so none
/// leaks into another test) and counts deliveries in that stand-in's ledger.
/// </summary>
public sealed class SmsSenderTests : IAsyncLifetime
{
    NotificationChannels _channels = new();

    [Theory]
    [InlineData("sv-SE", "1 234,50 SEK", "2026-03-28")]
    [InlineData("en-GB", "1,234.50 SEK", "28/03/2026")]
    public async Task An_sms_reaches_the_provider_with_the_minimum_due_due_date_and_link_in_the_holders_locale(string locale, string amount, string date)
    {
        var to = NotificationChannels.Recipient();
        var notice = NotificationChannels.Notice(locale);

        var result = await _channels.Sms.Send(to, notice, NotificationChannels.Key(), CancellationToken.None);

        result.Status.ShouldBe(SendStatus.Sent, result.Error);
        var sms = (await _channels.StandIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem();
        sms.MessageId.ShouldBe(result.ProviderMessageId);
        sms.To.ShouldBe(to);
        sms.From.ShouldBe(NotificationChannels.SmsFrom);
        sms.Body!.ShouldContain($"Minimum due {amount} by {date}.");
        sms.Body!.ShouldContain(notice.Link);
    }

    // Catches a sender that forgets the token header (or makes a new one per call): the stand-in delivers twice.
    [Fact]
    public async Task The_same_idempotency_key_twice_delivers_one_sms_and_answers_the_same_sid()
    {
        var (to, notice, key) = (NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key());

        var first = await _channels.Sms.Send(to, notice, key, CancellationToken.None);
        var second = await _channels.Sms.Send(to, notice, key, CancellationToken.None);

        first.Status.ShouldBe(SendStatus.Sent);
        second.ShouldBe(first);
        var sms = (await _channels.StandIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem();
        (sms.IdempotencyKey, sms.TimesDelivered).ShouldBe((key, 1));
    }

    [Fact]
    public async Task A_permanent_refusal_is_Permanent_with_twilios_code_and_sends_nothing()
    {
        await _channels.StandIn.SetFaults("sms", """{"failRate":1.0,"failMode":"nonRetryable","seed":42}""");

        var result = await _channels.Sms.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key(), CancellationToken.None);

        result.Status.ShouldBe(SendStatus.Permanent);
        result.Error!.ShouldMatch("^(21610|21614): ");
        (await _channels.StandIn.Ledger()).Messages!.Sms.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_provider_error_is_Retryable_and_the_retry_with_the_same_key_delivers_once()
    {
        var (to, notice, key) = (NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key());
        await _channels.StandIn.SetFaults("sms", """{"failRate":1.0,"failMode":"retryable"}""");

        var failed = await _channels.Sms.Send(to, notice, key, CancellationToken.None);
        await _channels.StandIn.ResetFaults("sms");
        var retried = await _channels.Sms.Send(to, notice, key, CancellationToken.None);

        failed.Status.ShouldBe(SendStatus.Retryable);
        failed.Error!.ShouldStartWith("20500: ");
        retried.Status.ShouldBe(SendStatus.Sent);
        (await _channels.StandIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem().MessageId.ShouldBe(retried.ProviderMessageId);
    }

    [Fact]
    public async Task A_dark_provider_is_Retryable()
    {
        await _channels.StandIn.SetFaults("sms", $$"""{"darkUntil":"{{_channels.StandIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");

        var result = await _channels.Sms.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key(), CancellationToken.None);

        result.Status.ShouldBe(SendStatus.Retryable);
        result.Error!.ShouldStartWith("20503: ");
    }

    // The stand-in delivers, then holds its answer 5 s; the adapter gives up after 1 s. The SMS went: the retry under the
    // same token must be answered that message, not send another.
    [Fact]
    public async Task A_timeout_after_the_provider_took_the_sms_is_Retryable_and_the_retry_sends_nothing_more()
    {
        await RestartWith(new() { ["Sms:Timeout"] = "00:00:01" });
        var (to, notice, key) = (NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key());
        await _channels.StandIn.SetFaults("sms", """{"timeoutAfterPayRate":1.0}""");

        var timedOut = await _channels.Sms.Send(to, notice, key, CancellationToken.None);
        var retried = await _channels.Sms.Send(to, notice, key, CancellationToken.None);

        timedOut.Status.ShouldBe(SendStatus.Retryable);
        timedOut.Error!.ShouldStartWith("timeout");
        // The replay of a held answer is held again: what counts is that nothing was delivered a second time.
        var sms = (await _channels.StandIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem();
        sms.TimesDelivered.ShouldBe(1);
        if (retried.Status == SendStatus.Sent)
            retried.ProviderMessageId.ShouldBe(sms.MessageId);
    }

    [Fact]
    public async Task A_refused_connection_is_Retryable()
    {
        await RestartWith(new() { ["Sms:BaseUrl"] = ProviderAdapters.ClosedPort().ToString() });

        var result = await _channels.Sms.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key(), CancellationToken.None);

        result.Status.ShouldBe(SendStatus.Retryable);
        result.Error!.ShouldStartWith("connection_failed");
    }

    [Fact]
    public async Task Wrong_credentials_are_Permanent_with_twilios_authentication_code()
    {
        await RestartWith(new() { ["Sms:AuthToken"] = "not-the-token" });

        var result = await _channels.Sms.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key(), CancellationToken.None);

        result.Status.ShouldBe(SendStatus.Permanent);
        result.Error!.ShouldStartWith("20003: ");
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws_rather_than_reporting_a_result()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() =>
            _channels.Sms.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key(), cancelled.Token));
    }

    async Task RestartWith(Dictionary<string, string> settings)
    {
        await _channels.DisposeAsync();
        _channels = new NotificationChannels(settings);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _channels.DisposeAsync();
}
