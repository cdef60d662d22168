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

    [Fact]
    public async Task With_keys_ignored_the_same_token_twice_is_two_messages_as_at_twilio()
    {
        await _standIn.SetMessagingKeys(Billing.Providers.StandIn.Control.MessagingKeyMode.Ignored);

        var first = await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms");
        var second = await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-42-sms");

        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await second.Body()).Text("sid").ShouldNotBe((await first.Body()).Text("sid"));
        var delivered = (await _standIn.Ledger()).Messages!.Sms;
        delivered.Count.ShouldBe(2, "Twilio's REST API takes no idempotency key");
        delivered.ShouldAllBe(m => m.IdempotencyKey == "statement-42-sms" && m.TimesDelivered == 2);

        // Honoured again, a token repeats its first message.
        await _standIn.SetMessagingKeys(Billing.Providers.StandIn.Control.MessagingKeyMode.Honoured);
        await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-43-sms");
        await _standIn.PostSms(StandInHost.Sms(), idempotencyToken: "statement-43-sms");
        (await _standIn.Ledger()).Messages!.Sms.Count.ShouldBe(3);
    }

    [Fact]
    public async Task The_message_list_filters_by_to_from_and_date_sent_newest_first_in_twilios_pages()
    {
        await _standIn.PostSms(StandInHost.Sms(body: "one"));
        _standIn.Clock.Advance(TimeSpan.FromMinutes(1));
        await _standIn.PostSms(StandInHost.Sms(body: "two"));
        _standIn.Clock.Advance(TimeSpan.FromMinutes(1));
        await _standIn.PostSms(StandInHost.Sms(body: "three"));
        await _standIn.PostSms(StandInHost.Sms(to: "+46709999999", body: "someone else's"));
        _standIn.Clock.Advance(TimeSpan.FromDays(2));
        await _standIn.PostSms(StandInHost.Sms(body: "two days later"));

        var path = $"/2010-04-01/Accounts/{StandInHost.AccountSid}/Messages.json";
        var first = await (await _standIn.Client.SendAsync(Authorized(HttpMethod.Get,
            $"{path}?To=%2B46701234567&From=%2B46766861004&DateSent%3C=2026-03-01&PageSize=2"))).Body();
        first.GetProperty("messages").EnumerateArray().Select(m => m.Text("body")).ShouldBe(["three", "two"]);
        first.GetProperty("messages").EnumerateArray().ShouldAllBe(m => m.Text("status") == "sent" && m.Text("date_sent").EndsWith("+0000"));
        (first.GetProperty("page").GetInt32(), first.GetProperty("page_size").GetInt32(), first.GetProperty("start").GetInt32(),
            first.GetProperty("end").GetInt32()).ShouldBe((0, 2, 0, 1));
        first.Text("first_page_uri").ShouldStartWith(path + "?");
        first.Text("previous_page_uri").ShouldBe("");
        var next = first.Text("next_page_uri");
        next.ShouldContain("Page=1");
        next.ShouldContain("PageToken=PA");

        var second = await (await _standIn.Client.SendAsync(Authorized(HttpMethod.Get, next))).Body();
        second.GetProperty("messages").EnumerateArray().Select(m => m.Text("body")).ShouldBe(["one"]);
        second.Text("next_page_uri").ShouldBe("");

        var later = await (await _standIn.Client.SendAsync(Authorized(HttpMethod.Get, $"{path}?To=%2B46701234567&DateSent%3E=2026-03-02"))).Body();
        later.GetProperty("messages").EnumerateArray().Select(m => m.Text("body")).ShouldBe(["two days later"]);
        var day = await (await _standIn.Client.SendAsync(Authorized(HttpMethod.Get, $"{path}?DateSent=2026-03-01"))).Body();
        day.GetProperty("messages").GetArrayLength().ShouldBe(4);

        var bad = await _standIn.Client.SendAsync(Authorized(HttpMethod.Get, $"{path}?DateSent%3E=yesterday"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Body()).GetProperty("code").GetInt32().ShouldBe(20001);
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
