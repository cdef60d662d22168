using System.Diagnostics;
using Billing.Providers.StandIn.Control;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// A <see cref="BillingStack"/> with delivery on: PDFs rendered by the real Chromium into a directory of the test's own,
/// SMS and WhatsApp to the test's stand-ins, e-mail to the stack's mail sink, each channel retrying after 1 s, 2 s, …
/// Accounts get e-mail addresses carrying a tag of this stack, so the mails of one test are told apart in the shared sink.
/// </summary>
public sealed class StatementStack : IAsyncDisposable
{
    StatementStack(BillingStack billing, string pdfDirectory, string tag)
    {
        Billing = billing;
        PdfDirectory = pdfDirectory;
        Tag = tag;
    }

    public BillingStack Billing { get; }
    public string PdfDirectory { get; }

    /// <summary>In every seeded e-mail address: count this stack's mails by it.</summary>
    public string Tag { get; }

    public HttpClient Api => Billing.Api;

    public static async Task<StatementStack> Start(IReadOnlyDictionary<string, string>? settings = null, int workers = 1)
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..10];
        var pdfDirectory = Path.Combine(Path.GetTempPath(), "billing-statements-" + tag);
        var service = new Dictionary<string, string>
        {
            ["Statements__Delivery__Enabled"] = "true",
            ["Statements__Pdf__Directory"] = pdfDirectory,
            ["Notifications__Email__Host"] = MailSink.Host,
            ["Notifications__Email__Port"] = MailSink.Port.ToString(),
        };
        foreach (var channel in new[] { "Sms", "Pdf", "Email", "WhatsApp" })
        {
            service[$"Statements__Delivery__{channel}__Attempts"] = "4";
            service[$"Statements__Delivery__{channel}__FirstDelay"] = "00:00:01";
            service[$"Statements__Delivery__{channel}__MaxDelay"] = "00:00:04";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            service[key] = value;
        var billing = await BillingStack.Start(service, workers);
        return new StatementStack(billing, pdfDirectory, tag);
    }

    /// <summary>
    /// Seeds <paramref name="count"/> accounts as <see cref="BillingStack.SeedAccounts"/> does, with this stack's tag in their
    /// e-mail addresses and every <paramref name="whatsAppEvery"/>th one opted in to WhatsApp.
    /// </summary>
    public async Task<IReadOnlyList<string>> SeedAccounts(int count, int whatsAppEvery = 1)
    {
        var ids = await Billing.SeedAccounts(count);
        await Billing.Execute("""
            update billing.account set email = account_id || '.' || $1 || '@example.test',
                whatsapp_opt_in = (right(account_id, 5)::int % $2 = 0)
            """, Tag, whatsAppEvery);
        return ids;
    }

    public StandIns StandIns => Billing.Stack.StandIns;

    public Task<long> Count(string sql, params object[] parameters) => Billing.Count(sql, parameters);

    public Task Execute(string sql, params object[] parameters) => Billing.Execute(sql, parameters);

    /// <summary>Waits until every statement's delivery has settled, and returns the run then.</summary>
    public async Task<Billing.Features.BillingRuns.Runs.BillingRunView> WaitUntilDelivered(int statements, TimeSpan? timeout = null)
    {
        await Eventually.Get($"{statements} statements delivered", async () => (Settled: await Count(
                "select count(*) from billing.statement where delivery_status is not null"), Records: await Describe()),
            v => v.Settled >= statements, timeout ?? TimeSpan.FromMinutes(3), v => $"{v.Settled} settled; {v.Records}");
        return (await Billing.Run())!;
    }

    public async Task<string> Describe()
    {
        var rows = await Billing.Stack.Query("select channel || ':' || status || ' ' || count(*) from billing.delivery group by channel, status order by 1");
        return "deliveries: " + string.Join(", ", rows);
    }

    /// <summary>The stand-ins' messages on a channel, by recipient.</summary>
    public async Task<IReadOnlyList<MessageEntry>> Messages(string channel)
    {
        var ledger = await StandIns.Ledger();
        return channel == "sms" ? ledger.Messages?.Sms ?? [] : ledger.Messages?.WhatsApp ?? [];
    }

    /// <summary>The mails of this stack in the sink (each e-mail address carries <see cref="Tag"/>).</summary>
    public Task<IReadOnlyList<StoredMail>> Mails(int atLeast) => MailSink.WaitFor(Tag, atLeast);

    /// <summary>The text pdftotext finds in a PDF (poppler-utils, installed by scripts/stack.sh).</summary>
    public static async Task<string> PdfText(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", path, "-"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("pdftotext did not start (apt-get install poppler-utils; scripts/stack.sh up does).");
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await process.StandardError.ReadToEndAsync());
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        await Billing.DisposeAsync();
        if (Directory.Exists(PdfDirectory))
            Directory.Delete(PdfDirectory, recursive: true);
    }
}
