using Billing.Features.Access;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Billing.Tests.Dashboard;

/// <summary>
/// Debian's headless Chromium driven by PuppeteerSharp against a stack's API, one browser context (cookie jar) per
/// person. Every <see cref="Shot"/> lands in <c>$BILLING_TEST_SCREENSHOTS</c> (default: <c>TestResults/screenshots</c>
/// beside the test assembly), in a folder per test.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    readonly IBrowser _browser;
    readonly ITestOutputHelper _output;
    readonly string _shots;
    int _shot;

    DashboardBrowser(IBrowser browser, string baseUrl, string shots, ITestOutputHelper output)
    {
        _browser = browser;
        BaseUrl = baseUrl.TrimEnd('/');
        _shots = shots;
        _output = output;
    }

    public string BaseUrl { get; }

    public static async Task<DashboardBrowser> Launch(HttpClient api, string test, ITestOutputHelper output)
    {
        File.Exists(ChromiumPath).ShouldBeTrue($"the dashboard tests drive {ChromiumPath}: install Debian's chromium (scripts/stack.sh names it)");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-breakpad"],
            DefaultViewport = new ViewPortOptions { Width = 1366, Height = 900 },
        });
        var root = Environment.GetEnvironmentVariable("BILLING_TEST_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        var shots = Path.Combine(root, test);
        if (Directory.Exists(shots))
            Directory.Delete(shots, recursive: true);
        Directory.CreateDirectory(shots);
        return new DashboardBrowser(browser, api.BaseAddress!.ToString(), shots, output);
    }

    /// <summary>A user with these roles, saved through the API's own store.</summary>
    public static Task User(Support.ServiceStack stack, string username, string password, params string[] roles) =>
        stack.ApiServices.GetRequiredService<StaffUsers>().Save(username, username, password, roles, "tests", CancellationToken.None);

    /// <summary>A fresh browser context (no cookies) with one page.</summary>
    public async Task<IPage> Person()
    {
        var context = await _browser.CreateBrowserContextAsync();
        var page = await context.NewPageAsync();
        page.DefaultTimeout = (int)Wait.TotalMilliseconds;
        page.DefaultNavigationTimeout = (int)Wait.TotalMilliseconds;
        return page;
    }

    public async Task<IPage> LoggedIn(string username, string password)
    {
        var page = await Person();
        await Go(page, "/login");
        await LogIn(page, username, password);
        page.Url.ShouldNotContain("/login", customMessage: await Text(page, "body"));
        return page;
    }

    public static async Task LogIn(IPage page, string username, string password)
    {
        await page.TypeAsync("#username", username);
        await page.TypeAsync("#password", password);
        await Submit(page, "#login");
    }

    public async Task<IResponse> Go(IPage page, string path) => await page.GoToAsync(BaseUrl + path, WaitUntilNavigation.Load);

    /// <summary>Clicks something that submits a form or follows a link, and waits for the next page.</summary>
    public static async Task Submit(IPage page, string selector)
    {
        var navigation = page.WaitForNavigationAsync(new NavigationOptions { WaitUntil = [WaitUntilNavigation.Load] });
        await page.ClickAsync(selector);
        await navigation;
    }

    public static async Task<string> Text(IPage page, string selector) =>
        await page.EvaluateFunctionAsync<string>("s => document.querySelector(s)?.innerText ?? ''", selector);

    public static Task<bool> Exists(IPage page, string selector) =>
        page.EvaluateFunctionAsync<bool>("s => document.querySelector(s) !== null", selector);

    /// <summary>Reloads until the condition holds; the failure says what was awaited and what the page last showed.</summary>
    public static async Task Until(IPage page, string what, Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new ShouldAssertException($"Timed out waiting for {what} at {page.Url}; the page shows:\n{await Text(page, "main")}");
            await Task.Delay(500);
            await page.ReloadAsync(waitUntil: [WaitUntilNavigation.Load]);
        }
    }

    public async Task Shot(IPage page, string name)
    {
        var path = Path.Combine(_shots, $"{++_shot:D2}-{name}.png");
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Posts the form around <paramref name="selector"/> from the page's own script, as a user past a disabled button would.</summary>
    public static Task<int> PostFormOf(IPage page, string selector) => page.EvaluateFunctionAsync<int>("""
        async s => {
          const form = document.querySelector(s).closest('form');
          const response = await fetch(form.action, { method: 'POST', body: new FormData(form), redirect: 'manual' });
          return response.status;
        }
        """, selector);

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
    }
}
