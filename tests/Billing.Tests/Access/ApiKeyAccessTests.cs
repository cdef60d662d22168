using System.Net;
using System.Net.Http.Json;
using Billing.Features.Access;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Access;

/// <summary>Machine callers at the API: a key's roles decide, and an unknown or revoked key is nobody.</summary>
public sealed class ApiKeyAccessTests
{
    [Fact]
    public async Task A_key_acts_within_its_roles_and_an_unknown_or_revoked_key_is_refused_as_unauthenticated()
    {
        await using var stack = await ServiceStack.Start(workers: 0);
        var support = await stack.ClientAs("support-desk", Roles.Support);

        using (var read = await support.GetAsync("/refunds"))
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var start = await support.PostAsJsonAsync("/billing/runs", new { statementDate = "2026-12-01" }))
        {
            start.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            start.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
        using (var intake = await support.PostAsJsonAsync("/repayments", new { }))
            intake.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "intake is for keys made for it");

        var unknown = stack.AnonymousClient();
        unknown.DefaultRequestHeaders.Add(ApiKeys.Header, "bk_" + new string('0', 64));
        using (var refused = await unknown.GetAsync("/refunds"))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }

        (await stack.ApiServices.GetRequiredService<ApiKeys>().Revoke("support-desk", CancellationToken.None)).ShouldBeTrue();
        using (var revoked = await support.GetAsync("/refunds"))
            revoked.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await stack.Count("select count(*) from billing.billing_run")).ShouldBe(0);
    }
}
