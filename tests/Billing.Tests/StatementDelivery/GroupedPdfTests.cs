using System.Net;
using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// The PDF endpoint consumes in groups (appsettings.json, Messaging:Grouping:statement-pdf): the PDFs are rendered ahead,
/// and a group's members record them one after another in one transaction. Copies of one statement's StatementReady (a
/// sweep's or a support retry's, each its own message) may meet in one group; each later copy must find the delivery
/// the earlier one settled, through the group's own transaction.
/// </summary>
public class GroupedPdfTests
{
    [Fact]
    public async Task Copies_of_one_statements_ready_in_one_consume_group_record_its_pdf_once_and_settle_it_once()
    {
        // Break it catches (seen): the delivery's claim on a connection of its own, outside the group's transaction. A later
        // copy's claim then waits for the row lock its own group holds, until its command times out; the group gives its
        // members back, and no two copies share a transaction.
        const int statements = 8, copies = 3;
        await using var stack = await StatementStack.Start(workers: 0);
        await stack.SeedAccounts(statements, whatsAppEvery: 1_000);
        await stack.Execute("update billing.account set sms_opt_in = false");
        var ground = stack.Billing.Stack.Ground;
        await using var pdfSettled = await MessageProbe<StatementPdfSettled>.Start(ground);
        await using var delivered = await MessageProbe<StatementDelivered>.Start(ground);

        // A render node declares the PDF queue and goes; billing and the other channels run while the queue fills.
        await (await stack.Billing.Stack.StartWorker(null, "--only", "pdf")).Stop();
        await stack.Billing.Stack.StartWorker(null, "--except", "pdf");
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.Billing.WaitUntilReady(statements);

        await using var bus = await TestBus.Start(ground);
        var pdfQueue = await bus.Bus.GetSendEndpoint(new Uri("queue:statement-pdf"));
        var copyIds = new List<Guid>();
        var copyOf = new List<Guid>();
        var billed = await stack.Billing.Stack.Query("select statement_id || ' ' || account_id || ' ' || statement_date from billing.statement");
        foreach (var row in billed.Select(r => r.Split(' ')))
        {
            var (id, account, date) = (Guid.Parse(row[0]), row[1], DateOnly.Parse(row[2]));
            for (var copy = 0; copy < copies; copy++)
            {
                var messageId = NewId.NextGuid();
                await pdfQueue.Send(new StatementReady(id, BillingStack.RunId, account, date, 0m, 0m, date, "SEK"), c => c.MessageId = messageId);
                copyIds.Add(messageId);
                copyOf.Add(id);
            }
        }

        // The render node comes back to a full queue: its deliveries are rendered ahead in batches and meet at the group.
        await stack.Billing.Stack.StartWorker(null, "--only", "pdf");
        await stack.WaitUntilDelivered(statements);
        await stack.Billing.Stack.WaitUntilIdle();

        (await stack.Count("select count(*) from messaging.inbox_state where message_id = any($1) and consumed is not null", copyIds.ToArray()))
            .ShouldBe(statements * copies, "every copy was consumed");
        (await stack.Count("""
            select count(*) from (
                select 1 from unnest($1::uuid[], $2::uuid[]) copy (message_id, statement_id)
                join messaging.inbox_state i using (message_id)
                group by copy.statement_id, i.consumed having count(*) > 1) together
            """, copyIds.ToArray(), copyOf.ToArray()))
            .ShouldBeGreaterThan(0, "copies of one statement were consumed in one group's transaction (one consumed time)");

        (await stack.Count("select count(*) from billing.delivery where channel = 'pdf' and status = 'sent' and attempts = 1"))
            .ShouldBe(statements, "one claim per statement: the copies after it found the PDF's delivery settled");
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered' and pdf_pages >= 1")).ShouldBe(statements);

        // Counted at the transport: one StatementPdfSettled and one StatementDelivered per statement, and one e-mail per holder.
        pdfSettled.Received.GroupBy(m => m.StatementId).Select(g => g.Count()).ShouldBe(Enumerable.Repeat(1, statements));
        delivered.Received.GroupBy(m => m.StatementId).Select(g => g.Count()).ShouldBe(Enumerable.Repeat(1, statements));
        var mails = await stack.Mails(statements);
        mails.Count.ShouldBe(statements);
        mails.Select(m => m.Headers["To"]).Distinct().Count().ShouldBe(statements);
    }
}
