using System.Net;
using System.Text.RegularExpressions;
using Billing.Features.Access;
using Billing.Features.Scheduling;
using Billing.Tests.Support;

namespace Billing.Tests.Security;

/// <summary>
/// The read-only jobs dashboard is more than hidden buttons: a command posted by hand, with a valid antiforgery token,
/// is refused for every role but admin and changes nothing, while the same post from an admin enqueues the job.
/// </summary>
public partial class JobsDashboardCommandTests
{
    [Fact]
    public async Task A_trigger_posted_by_hand_is_refused_for_support_and_operator_and_carried_out_for_an_admin()
    {
        await using var stack = await ServiceStack.Start();
        await Eventually.Until("the worker to declare the reconciler's recurring job", async () =>
            (await stack.Query($"select count(*) from hangfire.set where key = 'recurring-jobs' and value = '{RefundJobs.Reconciler}'"))[0] == "1");

        foreach (var role in new[] { Roles.Support, Roles.Operator })
        {
            using var response = await PostTrigger(await stack.ClientAs($"{role}-by-hand", role));
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"a '{role}' key triggering a recurring job");
            (await ReconcilerJobs(stack)).ShouldBe(0, $"a refused trigger by '{role}' enqueued the reconciler");
        }
        (await TriggersAudited(stack)).ShouldBe(0, "a refused command went into the audit trail");

        using (var response = await PostTrigger(await stack.ClientAs("admin-by-hand", Roles.Admin)))
            response.IsSuccessStatusCode.ShouldBeTrue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        (await ReconcilerJobs(stack)).ShouldBe(1, "the admin's trigger enqueued one reconciler job");
        (await TriggersAudited(stack)).ShouldBe(1, "the admin's trigger is in the audit trail");
    }

    /// <summary>What the dashboard's own button sends, with the token its page carries for this caller.</summary>
    static async Task<HttpResponseMessage> PostTrigger(HttpClient client)
    {
        var page = await client.GetStringAsync("/hangfire/recurring");
        var header = AntiforgeryHeader().Match(page);
        var token = AntiforgeryToken().Match(page);
        header.Success.ShouldBeTrue("the recurring jobs page names its antiforgery header");
        token.Success.ShouldBeTrue("the recurring jobs page carries an antiforgery token");

        var request = new HttpRequestMessage(HttpMethod.Post, "/hangfire/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", RefundJobs.Reconciler)]),
        };
        request.Headers.Add(WebUtility.HtmlDecode(header.Groups[1].Value), WebUtility.HtmlDecode(token.Groups[1].Value));
        return await client.SendAsync(request);
    }

    static async Task<int> ReconcilerJobs(ServiceStack stack) =>
        int.Parse((await stack.Query("select count(*) from hangfire.job where invocationdata::text like '%ReconcileOnSchedule%'"))[0]);

    static async Task<int> TriggersAudited(ServiceStack stack) =>
        int.Parse((await stack.Query("select count(*) from audit.entry where action = 'hangfire.trigger'"))[0]);

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
