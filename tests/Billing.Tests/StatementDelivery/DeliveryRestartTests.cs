using System.Net;
using Billing.Tests.Support;
using MimeKit;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// Postgres restarted while e-mails are on their way: a mail the sink took while the database was away must not go out
/// again when its attempt is retried. Restarts the shared Postgres: run it under the machine's restart lock.
/// </summary>
public class DeliveryRestartTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Accounts = 120;

    /// <summary>
    /// Catches an acceptance written once, on a database that is away (57P01/57P03): the attempt fails, its retry finds no
    /// acceptance and sends the mail again, the same Message-ID a second later (DeliveryAcceptances.Record without its
    /// retries). Only when the restart meets a mail between the sink's 250 and that write: with the retries removed, one run
    /// of 120 holders here still passed (the restart fell between mails), so this test shows the fix holds rather than
    /// reliably failing without it; the chaos run counts the same at a larger scale.
    /// </summary>
    [Fact]
    public async Task E_mails_in_flight_while_postgres_restarts_go_out_once_per_message_id()
    {
        await using var stack = await StatementStack.Start();
        await stack.StandIns.IgnoreMessagingKeys();
        await stack.SeedAccounts(Accounts, whatsAppEvery: 1_000_000);

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("the e-mails under way", async () =>
            await stack.Count("select count(*) from billing.delivery where channel = 'email' and status = 'sent'") >= 10);
        var before = await stack.Count("select count(*) from billing.delivery where channel = 'email' and status = 'sent'");
        await stack.Billing.Stack.RestartPostgres();
        var after = await stack.Count("select count(*) from billing.delivery where channel = 'email' and status = 'sent'");
        output.WriteLine($"e-mails sent before the restart: {before}; right after it: {after}");
        before.ShouldBeLessThan(Accounts, "the restart came while e-mails were still to go");

        await stack.WaitUntilDelivered(Accounts, TimeSpan.FromMinutes(5));
        await stack.Billing.Stack.WaitUntilIdle();
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(Accounts);

        // Counted at the sink, by Message-ID: every holder's mail once on the wire.
        var mails = (await stack.Mails(Accounts)).Select(m => MimeMessage.Load(m.Path)).ToList();
        output.WriteLine($"e-mails on the wire: {mails.Count} for {Accounts} holders");
        mails.GroupBy(m => m.To.Mailboxes.Single().Address).Count().ShouldBe(Accounts, "an e-mail to every holder");
        var repeated = mails.GroupBy(m => m.MessageId).Where(g => g.Count() > 1).Select(g => $"{g.Key} ×{g.Count()}").ToList();
        repeated.ShouldBeEmpty("no Message-ID twice at the sink");
        (await stack.Messages("sms")).GroupBy(m => m.To).ShouldAllBe(g => g.Count() == 1, "one SMS per holder at the provider");
    }
}
