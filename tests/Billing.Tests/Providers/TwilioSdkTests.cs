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
