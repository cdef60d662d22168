using System.Net;
using Billing.Providers.StandIn;

namespace Billing.Tests.Providers;

public sealed class SmsTests : IAsyncLifetime
{
    readonly StandInHost _standIn = new();

    [Fact]
    public async Task An_sms_is_accepted_queued_in_twilios_shape_and_delivered_into_the_ledger()
    {
        var response = await _standIn.PostSms(StandInHost.Sms());

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var message = await response.Body();
        var sid = message.Text("sid");
        sid.ShouldMatch("^SM[0-9a-f]{32}$");
        (message.Text("status"), message.Text("to"), message.Text("from"), message.Text("body"), message.Text("account_sid"))
            .ShouldBe(("queued", "+46701234567", "+46766861004", "Your statement for March is ready.", StandInHost.AccountSid));
        message.Text("date_created").ShouldBe("Sun, 01 Mar 2026 09:00:00 +0000");
        message.Text("uri").ShouldBe($"/2010-04-01/Accounts/{StandInHost.AccountSid}/Messages/{sid}.json");

        var read = await _standIn.Client.SendAsync(Authorized(HttpMethod.Get, $"/2010-04-01/Accounts/{StandInHost.AccountSid}/Messages/{sid}.json"));
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Body()).Text("sid").ShouldBe(sid);

        var delivered = (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem();
        (delivered.MessageId, delivered.To, delivered.From, delivered.Body, delivered.TimesDelivered)
            .ShouldBe((sid, "+46701234567", "+46766861004", "Your statement for March is ready.", 1));
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_same_idempotency_token_twice_delivers_one_message_and_answers_it_again()
    {
        var first = await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms");
        var second = await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms");

        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Body()).Text("sid").ShouldBe((await first.Body()).Text("sid"));
        var delivered = (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem();
        (delivered.IdempotencyKey, delivered.TimesDelivered).ShouldBe(("statement-42-sms", 1));

        // Without a token, or under another, it is another message.
        await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-43-sms");
        await _standIn.PostSms(StandInHost.Sms());
        (await _standIn.Ledger()).Messages!.Sms.Count.ShouldBe(3);
    }

    [Theory]
    [InlineData(StandInHost.AccountSid, "wrong-token")]
    [InlineData("AC00000000000000000000000000000000", StandInHost.AuthToken)]
    public async Task Bad_credentials_are_refused_with_twilios_401_and_deliver_nothing(string accountSid, string authToken)
    {
        var response = await _standIn.PostSms(StandInHost.Sms(), accountSid: accountSid, authToken: authToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var error = await response.Body();
        (error.GetProperty("code").GetInt32(), error.GetProperty("status").GetInt32(), error.Text("more_info"))
            .ShouldBe((20003, 401, "https://www.twilio.com/docs/errors/20003"));
        (await _standIn.Ledger()).Messages!.Sms.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("To", "0701234567", 21211)]
    [InlineData("To", "+46 70 123 45 67", 21211)]
    [InlineData("To", "", 21604)]
    [InlineData("Body", "", 21602)]
    [InlineData("From", "", 21603)]
    public async Task Invalid_input_is_a_400_in_twilios_shape_and_delivers_nothing(string field, string value, int code)
    {
        var form = StandInHost.Sms();
        form[field] = value;

        var response = await _standIn.PostSms(form);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = await response.Body();
        (error.GetProperty("code").GetInt32(), error.GetProperty("status").GetInt32(), error.Text("more_info"))
            .ShouldBe((code, 400, $"https://www.twilio.com/docs/errors/{code}"));
        error.Text("message").ShouldNotBeEmpty();
        (await _standIn.Ledger()).Messages!.Sms.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_messaging_service_sid_stands_in_for_from()
    {
        var form = StandInHost.Sms();
        form.Remove("From");
        form["MessagingServiceSid"] = "MG9752274e9e519418a7406176694466fa";

        var response = await _standIn.PostSms(form);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.Body()).Text("messaging_service_sid").ShouldBe("MG9752274e9e519418a7406176694466fa");
        (await _standIn.Ledger()).Messages!.Sms.ShouldHaveSingleItem().From.ShouldBe("MG9752274e9e519418a7406176694466fa");
    }

    [Fact]
    public async Task An_unknown_message_is_a_twilio_404()
    {
        var response = await _standIn.Client.SendAsync(
            Authorized(HttpMethod.Get, $"/2010-04-01/Accounts/{StandInHost.AccountSid}/Messages/SM00000000000000000000000000000000.json"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Body()).GetProperty("code").GetInt32().ShouldBe(20404);
    }

    static HttpRequestMessage Authorized(HttpMethod method, string path) => new(method, path)
    {
        Headers =
        {
            Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{StandInHost.AccountSid}:{StandInHost.AuthToken}"))),
        },
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}
