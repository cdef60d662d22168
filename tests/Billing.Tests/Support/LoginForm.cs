using System.Net;
using System.Text.RegularExpressions;
using Billing.Features.Access;

namespace Billing.Tests.Support;

/// <summary>The dashboard's forms as a browser fills them, without one: the login, and any form's antiforgery token.</summary>
public static partial class LoginForm
{
    /// <summary>A client that keeps cookies, logged in through the login form.</summary>
    public static async Task<HttpClient> LoggedIn(ServiceStack stack, string username, string password)
    {
        var browser = stack.AnonymousClient();
        using var response = await TryLogIn(browser, username, password);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return browser;
    }

    public static async Task<HttpResponseMessage> TryLogIn(HttpClient browser, string username, string password) =>
        await browser.PostAsync(AccessRegistration.LoginPath, await Form(browser, AccessRegistration.LoginPath,
            [new("username", username), new("password", password)]));

    /// <summary>The fields, with the antiforgery token of the page at <paramref name="page"/> for this client.</summary>
    public static async Task<FormUrlEncodedContent> Form(HttpClient browser, string page, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var html = await browser.GetStringAsync(page);
        var token = AntiforgeryField().Match(html);
        token.Success.ShouldBeTrue($"{page} carries an antiforgery token");
        return new FormUrlEncodedContent([.. fields, new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value))]);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
