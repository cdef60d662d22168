using Twilio.Clients;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Billing.Tests.Providers;

/// <summary>
/// The official Twilio SDK against the stand-in. The SDK has no base-URL setting (it always builds
/// https://api.twilio.com/…, with only region and edge to vary), but it takes a System.Net.Http.HttpClient; ours
/// sends every request to the stand-in's in-memory server, path and headers untouched.
/// </summary>
public sealed class TwilioSdkTests : IAsyncLifetime
{
    readonly StandInHost _standIn = new();

    [Fact]
    public async Task The_twilio_sdk_sends_an_sms_to_the_stand_in_and_reads_its_message_resource()
    {
        using var http = new System.Net.Http.HttpClient(new ToStandIn(_standIn.BaseAddress, _standIn.CreateHandler()));
        var twilio = new TwilioRestClient(StandInHost.AccountSid, StandInHost.AuthToken, httpClient: new SystemNetHttpClient(http));

        var message = await MessageResource.CreateAsync(
            to: new PhoneNumber("+46701234567"), from: new PhoneNumber("+46766861004"), body: "Your statement for March is ready.", client: twilio);

        message.Sid.ShouldMatch("^SM[0-9a-f]{32}$");
        (message.Status, message.To, message.From.ToString(), message.Body)
            .ShouldBe((MessageResource.StatusEnum.Queued, "+46701234567", "+46766861004", "Your statement for March is ready."));
        message.DateCreated.ShouldBe(new DateTime(2026, 3, 1, 9, 0, 0));
        (await MessageResource.FetchAsync(pathSid: message.Sid, client: twilio)).Sid.ShouldBe(message.Sid);
        (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem().MessageId.ShouldBe(message.Sid);
    }

    [Fact]
    public async Task The_twilio_sdk_lists_messages_by_to_from_and_date_sent_across_pages()
    {
        using var http = new System.Net.Http.HttpClient(new ToStandIn(_standIn.BaseAddress, _standIn.CreateHandler()));
        var twilio = new TwilioRestClient(StandInHost.AccountSid, StandInHost.AuthToken, httpClient: new SystemNetHttpClient(http));
        var (holder, sender) = (new PhoneNumber("+46701234567"), new PhoneNumber("+46766861004"));
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await MessageResource.CreateAsync(to: holder, from: sender, body: $"Statement {i}", client: twilio)).Sid);
            _standIn.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        await MessageResource.CreateAsync(to: new PhoneNumber("+46709999999"), from: sender, body: "Someone else", client: twilio);

        // Two to a page, so the SDK follows next_page_uri twice; newest first, as Twilio lists them.
        var listed = await MessageResource.ReadAsync(to: holder, from: sender, dateSentAfter: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc),
            pageSize: 2, client: twilio);
        var messages = listed.ToList();
        messages.Select(m => m.Sid).ShouldBe(Enumerable.Reverse(sent));
        messages.ShouldAllBe(m => m.Status == MessageResource.StatusEnum.Sent && m.DateSent != null && m.To == "+46701234567");

        var page = await MessageResource.ReadAsync(to: holder, pageSize: 2, limit: 2, client: twilio);
        page.Select(m => m.Body).ShouldBe(["Statement 4", "Statement 3"]);
        (await MessageResource.ReadAsync(to: holder, dateSentBefore: new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc), client: twilio))
            .ShouldBeEmpty();
    }

    /// <summary>Points the SDK's requests at the stand-in: only scheme, host and port change.</summary>
    sealed class ToStandIn(Uri standIn, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = standIn.Scheme, Host = standIn.Host, Port = standIn.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}
