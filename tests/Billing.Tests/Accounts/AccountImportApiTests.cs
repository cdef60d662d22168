using Billing.Features.Access;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Hosting;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Billing.Tests.Accounts;

public class AccountImportApiTests
{
    const string Account = """
        { "accountId": "acc-1", "name": "Anna Berg", "phone": "+46701234567",
          "loan": { "currency": "SEK", "creditLimit": 20000, "apr": 0.2, "statementDay": 28, "timeZone": "Europe/Stockholm", "openedOn": "2024-05-01" },
          "entries": [ { "ref": "p-1", "kind": "purchase", "amount": 10, "occurredAt": "2026-11-01T10:00:00Z" } ] }
        """;

    [Fact]
    public async Task Bad_input_is_answered_with_4xx_problem_details_and_writes_nothing_while_good_input_is_imported()
    {
        await using var ground = await TestGround.Create();
        var api = BillingHost.Api(["--urls", "http://127.0.0.1:0"], c => InProcessHost.Configure(c, ground));
        await api.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(api.ListeningAddress()) };
            http.DefaultRequestHeaders.Add(ApiKeys.Header,
                await api.Services.GetRequiredService<ApiKeys>().Create("importer", [Roles.Operator], "tests", CancellationToken.None));
            async Task<JsonElement> Problem(string body, string contentType, HttpStatusCode status)
            {
                using var response = await http.PostAsync("/accounts/import", new StringContent(body, Encoding.UTF8, contentType));
                var text = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(status, text);
                response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", text);
                return JsonDocument.Parse(text).RootElement;
            }

            (await Problem("{ \"accounts\": [ " + Account, "application/json", HttpStatusCode.BadRequest))
                .GetProperty("detail").GetString()!.ShouldStartWith("body is not valid JSON");
            (await Problem("{ \"accounts\": [ " + Account + " ] } trailing", "application/json", HttpStatusCode.BadRequest))
                .GetProperty("title").GetString().ShouldBe("The file cannot be read; nothing was imported.");
            var invalid = await Problem("{ \"accounts\": [ " + Account.Replace("\"SEK\"", "\"XYZ\"").Replace("+46701234567", "070") + " ] }", "application/json", HttpStatusCode.BadRequest);
            var errors = invalid.GetProperty("errors").GetProperty("body accounts[0] (acc-1)").EnumerateArray().Single().GetString()!;
            errors.ShouldContain("loan.currency 'XYZ' is not a known currency");
            errors.ShouldContain("phone '070' is not in E.164 form");
            (await Problem("{ \"accounts\": [ " + Account.Replace("\"amount\": 10", "\"amount\": \"ten\"") + " ] }", "application/json", HttpStatusCode.BadRequest))
                .GetProperty("errors").GetProperty("body accounts[0]").EnumerateArray().Single().GetString()!.ShouldStartWith("not an account");
            (await Problem("id,when\n1,now\n", "text/csv", HttpStatusCode.BadRequest)).GetProperty("detail").GetString()!.ShouldContain("unknown column");
            (await Problem("account_id,ref,kind,amount,occurred_at,description\nacc-1,p-1,purchase,\"10\n", "text/csv", HttpStatusCode.BadRequest)).ShouldNotBe(default);
            (await Problem(Account, "text/plain", HttpStatusCode.UnsupportedMediaType)).ShouldNotBe(default);
            var twice = Account.Replace("} ] }", "}, { \"ref\": \"p-1\", \"kind\": \"purchase\", \"amount\": 11, \"occurredAt\": \"2026-11-01T10:00:00Z\" } ] }");
            (await Problem("{ \"accounts\": [ " + twice + " ] }", "application/json", HttpStatusCode.Conflict))
                .GetProperty("conflicts")[0].GetProperty("ref").GetString().ShouldBe("p-1");
            (await ground.RowsWritten()).ShouldBe(0);

            // The positive control: the same endpoint does write when the input is good (so the zero above means something).
            using var accepted = await http.PostAsync("/accounts/import", new StringContent("{ \"accounts\": [ " + Account + " ] }", Encoding.UTF8, "application/json"));
            accepted.StatusCode.ShouldBe(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
            var report = await accepted.Content.ReadFromJsonAsync<JsonElement>();
            (report.GetProperty("accountsCreated").GetInt32(), report.GetProperty("entriesAdded").GetInt64()).ShouldBe((1, 1L));
            using var csv = await http.PostAsync("/accounts/import", new StringContent(
                "account_id,ref,kind,amount,occurred_at,description\nacc-1,p-2,purchase,5.50,2026-11-02T10:00:00Z,Coop\n", Encoding.UTF8, "text/csv"));
            csv.StatusCode.ShouldBe(HttpStatusCode.OK, await csv.Content.ReadAsStringAsync());
            (await ground.Count("billing.passbook_entry")).ShouldBe(2);
        }
        finally
        {
            await api.StopAsync();
            await api.DisposeAsync();
        }
    }
}
