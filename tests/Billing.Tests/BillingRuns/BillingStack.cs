using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Tests.Support;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// A <see cref="ServiceStack"/> for billing-run tests: accounts due today (UTC), so their cut-off has passed and they are
/// billed at once; a short settle time; retries of 1, 2 s so a test sees a step retried and halted within seconds.
/// </summary>
public sealed class BillingStack : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    BillingStack(ServiceStack stack) => Stack = stack;

    public ServiceStack Stack { get; }
    public HttpClient Api => Stack.Api;

    /// <summary>
    /// Today in UTC when the tests started: the statement date every seeded account is due on. Taken once, so a test
    /// running over midnight still bills the date it seeded (a day-old date is still due).
    /// </summary>
    public static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    public static readonly Guid RunId = BillingIds.Run(Today);

    /// <summary>
    /// Delivery on (a <see cref="StatementDelivery.StatementStack"/>: PDFs by Chromium, SMS, e-mail, WhatsApp) or off: the
    /// run tests that matter run both ways, since a statement moves on from Ready only with delivery on. Dispose the owner.
    /// </summary>
    public static async Task<(BillingStack Billing, IAsyncDisposable Owner)> Start(bool delivery, IReadOnlyDictionary<string, string>? settings = null,
        int workers = 1)
    {
        if (!delivery)
        {
            var billing = await Start(settings, workers);
            return (billing, billing);
        }

        var statements = await StatementDelivery.StatementStack.Start(settings, workers);
        return (statements.Billing, statements);
    }

    /// <summary>Waits until every statement of the run has its delivery settled on every channel (delivery on).</summary>
    public async Task WaitUntilDelivered(int statements, TimeSpan timeout) =>
        await Eventually.Get($"{statements} statements delivered", () => Count("select count(*) from billing.statement where delivery_status is not null"),
            settled => settled >= statements, timeout);

    public static async Task<BillingStack> Start(IReadOnlyDictionary<string, string>? settings = null, int workers = 1) =>
        new(await ServiceStack.Start(Settings(settings), workers));

    /// <summary>
    /// The billing-run helpers over a stack another wrapper owns and started with <see cref="Settings"/> among its own (a
    /// <c>PassbookStack</c>, say); dispose that owner, not this.
    /// </summary>
    public static BillingStack Over(ServiceStack stack) => new(stack);

    /// <summary>The billing test settings (short settle, quick step retries, delivery off) with <paramref name="settings"/> over them.</summary>
    public static Dictionary<string, string> Settings(IReadOnlyDictionary<string, string>? settings = null)
    {
        var service = new Dictionary<string, string>
        {
            ["BillingRuns__CutoffSettle"] = "00:00:00.100",
            ["BillingRuns__PageSize"] = "200",
            // Billing alone: the delivery tests turn it on (StatementStack).
            ["Statements__Delivery__Enabled"] = "false",
        };
        foreach (var step in Billing.Features.BillingRuns.Steps.BillingSteps.InOrder.Where(s => s != "validation"))
        {
            service[$"BillingRuns__Steps__{step}__ImmediateRetries"] = "1";
            service[$"BillingRuns__Steps__{step}__ScheduledRetries"] = "2";
            service[$"BillingRuns__Steps__{step}__FirstDelay"] = "00:00:01";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            service[key] = value;
        return service;
    }

    /// <summary>
    /// <paramref name="count"/> accounts acc-00001… in SEK, UTC, due today, e-mail reachable, each with 500.00 owed from
    /// before the period (so no grace: interest is charged) and a 1,000.00 purchase on its first day; returns their ids.
    /// </summary>
    public Task<IReadOnlyList<string>> SeedAccounts(int count, string prefix = "acc-") => SeedAccounts(Stack.Execute, count, prefix);

    /// <summary>The same accounts, written through <paramref name="execute"/> (SQL and its positional parameters).</summary>
    public static async Task<IReadOnlyList<string>> SeedAccounts(Func<string, object[], Task> execute, int count, string prefix = "acc-")
    {
        var previous = Today.AddMonths(-1);
        await execute("""
            insert into billing.account (account_id, name, email, phone)
            select $1 || lpad(i::text, 5, '0'), 'Holder ' || i, 'holder' || i || '@example.test', '+4670' || lpad(i::text, 7, '0')
            from generate_series(1, $2) i
            """, [prefix, count]);
        await execute("""
            insert into billing.loan (account_id, currency, credit_limit, apr, statement_day, time_zone, opened_on)
            select $1 || lpad(i::text, 5, '0'), 'SEK', 50000, 0.24, $3, 'UTC', $4
            from generate_series(1, $2) i
            """, [prefix, count, (short)Today.Day, previous.AddMonths(-1)]);
        await execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            select $1 || lpad(i::text, 5, '0'), 'purchase', amount, 'SEK', $1 || 'purchase-' || i || '-' || amount, at, at
            from generate_series(1, $2) i, (values (500, $3::timestamptz), (1000, $4::timestamptz)) history (amount, at)
            """, [prefix, count, new DateTimeOffset(previous.AddDays(-5).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero),
            new DateTimeOffset(previous.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)]);
        return Enumerable.Range(1, count).Select(i => $"{prefix}{i:D5}").ToList();
    }

    public async Task<HttpResponseMessage> StartRun(DateOnly? date = null) =>
        await Api.PostAsJsonAsync("/billing/runs", new { statementDate = (date ?? Today).ToString("yyyy-MM-dd") });

    public async Task<BillingRunView?> Run(Guid? runId = null)
    {
        using var response = await Api.GetAsync($"/billing/runs/{runId ?? RunId}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<BillingRunView>(Json) : null;
    }

    /// <summary>Waits until the run has every due account ready or halted.</summary>
    public async Task<BillingRunView> WaitUntilFinished(TimeSpan? timeout = null, Guid? runId = null) =>
        (await Eventually.Get("the billing run to finish", () => Run(runId), v => v is { Finished: true }, timeout, Describe))!;

    /// <summary>Waits until the run shows <paramref name="ready"/> accounts with their statement ready.</summary>
    public async Task<BillingRunView> WaitUntilReady(int ready, TimeSpan? timeout = null) =>
        (await Eventually.Get($"{ready} account(s) ready", () => Run(), v => v?.Ready == ready, timeout, Describe))!;

    public static string Describe(BillingRunView? v) => v is null
        ? "no run yet"
        : $"{v.Status}: total {v.Total}, published {v.Published}, ready {v.Ready}, halted {v.Halted}, waiting {v.Waiting}, in progress {v.InProgress}; " +
          string.Join("; ", v.ByStateAndStep.Select(c => $"{c.State}/{c.Step}/{c.Reason}={c.Count}"));

    public Task<long> Count(string sql, params object[] parameters) => Stack.Count(sql, parameters);

    public Task Execute(string sql, params object[] parameters) => Stack.Execute(sql, parameters);

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}
