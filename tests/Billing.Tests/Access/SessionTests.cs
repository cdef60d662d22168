using System.Net;
using Billing.Features.Access;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Access;

/// <summary>
/// A login that is open in a browser follows what the store says of its user at the next request: disabled or given a
/// new password, the session ends; given new roles, it carries them. Through the login form and real CLI processes.
/// </summary>
public sealed class SessionTests
{
    const string Password = "correct horse battery staple";

    [Fact]
    public async Task Disabling_a_logged_in_user_ends_their_session_at_their_next_request_and_they_cannot_log_in_again()
    {
        await using var stack = await ServiceStack.Start(workers: 0);
        await Users(stack).Save("dana", "Dana", Password, [Roles.Support], "tests", CancellationToken.None);
        var browser = await LoginForm.LoggedIn(stack, "dana", Password);
        (await browser.GetAsync("/refunds")).StatusCode.ShouldBe(HttpStatusCode.OK, "logged in");

        var (code, output) = await AccessStoreTests.Cli(stack.Ground, "users", "disable", "dana");
        code.ShouldBe(0, output);

        (await browser.GetAsync("/refunds")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the API, after the user was disabled");
        using (var page = await browser.GetAsync("/dashboard/refunds"))
        {
            page.StatusCode.ShouldBe(HttpStatusCode.Redirect, "a page, after the user was disabled");
            page.Headers.Location!.OriginalString.ShouldContain(AccessRegistration.LoginPath);
        }
        (await LoginForm.TryLogIn(stack.AnonymousClient(), "dana", Password)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a disabled user logging in");
        (await stack.Query("select actor || ' ' || action from audit.entry where entity_id = 'dana' and action = 'user.disable'"))
            .ShouldHaveSingleItem().ShouldStartWith("cli:");

        (await AccessStoreTests.Cli(stack.Ground, "users", "disable", "nobody")).Code.ShouldBe(2, "disabling a user who does not exist");
    }

    [Fact]
    public async Task New_roles_apply_to_an_open_session_at_its_next_request_and_a_password_reset_ends_it()
    {
        await using var stack = await ServiceStack.Start(workers: 0);
        await Users(stack).Save("olle", "Olle", Password, [Roles.Support, Roles.Operator], "tests", CancellationToken.None);
        var browser = await LoginForm.LoggedIn(stack, "olle", Password);
        // An operator's action on a run that does not exist: the handler answers 404, a caller without the role 403.
        var resume = $"/billing/runs/{Guid.NewGuid()}/resume?step={Billing.Features.BillingRuns.Steps.BillingSteps.Loan}";
        (await browser.PostAsync(resume, null)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "an operator resuming a run that does not exist");

        var (code, output) = await AccessStoreTests.Cli(stack.Ground, "users", "roles", "olle", "--role", Roles.Support);
        code.ShouldBe(0, output);

        (await browser.PostAsync(resume, null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the same session, no longer an operator");
        (await browser.GetAsync("/refunds")).StatusCode.ShouldBe(HttpStatusCode.OK, "still support");
        (await browser.GetStringAsync("/dashboard/refunds")).ShouldContain($"<span class=\"roles\">{Roles.Support}</span>",
            Case.Sensitive, "the navigation bar shows the session's roles");

        await Users(stack).Save("olle", "Olle", "a new password, after a leak", [Roles.Support], "tests", CancellationToken.None);
        (await browser.GetAsync("/refunds")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the session opened with the old password");
    }

    static StaffUsers Users(ServiceStack stack) => stack.ApiServices.GetRequiredService<StaffUsers>();
}
