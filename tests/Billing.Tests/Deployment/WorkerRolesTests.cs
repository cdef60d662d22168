using System.Net;
using System.Text.Json;
using Billing.Hosting;
using Billing.Infrastructure.Messaging;
using Billing.Tests.StatementDelivery;
using Billing.Tests.Support;
using MimeKit;

namespace Billing.Tests.Deployment;

/// <summary>
/// Render nodes (issue 20): a worker started for some roles only consumes only their queues, so a fleet adds machines
/// that print without adding billing consumers. Counted at the broker: which queues each process's connection consumes.
/// </summary>
public class WorkerRolesTests
{
    const int Accounts = 20;

    // Breaks caught: the role filter ignored (every consumer registered: the render node consumes the billing, refund and
    // delivery queues), the Hangfire server or Chromium's pool registered whatever the roles.
    [Fact]
    public async Task A_pdf_only_worker_and_a_worker_without_pdf_bill_and_deliver_a_run_each_consuming_only_its_queues()
    {
        await using var stack = await StatementStack.Start(workers: 0);
        var service = stack.Billing.Stack;
        int renderPort = FreePort.Next(), billingPort = FreePort.Next();
        var render = await service.StartWorker(Node("render-node", renderPort), "--only", "pdf");
        var billing = await service.StartWorker(Node("billing-node", billingPort), "--except", "pdf");

        // Their own word, in the ready line.
        render.Roles.ShouldBe(["pdf"]);
        billing.Roles.ShouldBe(["billing", "delivery", "refunds", "passbook", "jobs"]);
        render.Queues.Order().ShouldBe(["scheduler", "statement-pdf"]);

        await stack.SeedAccounts(Accounts);
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var run = await stack.WaitUntilDelivered(Accounts);

        // Billed to the end, every statement delivered with its PDF on every channel.
        run.Delivered.ShouldBe(Accounts);
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(Accounts);
        (await stack.Count("select count(*) from billing.delivery where channel = 'pdf' and status = 'sent'")).ShouldBe(Accounts);
        (await stack.Count("select count(*) from billing.delivery where status <> 'sent'")).ShouldBe(0, await stack.Describe());
        var mails = await stack.Mails(Accounts);
        mails.Count.ShouldBe(Accounts);
        foreach (var mail in mails)
            MimeMessage.Load(mail.Path).Attachments.OfType<MimePart>().ShouldHaveSingleItem().ContentType.MimeType.ShouldBe("application/pdf");
        (await stack.Messages("whatsapp")).Count.ShouldBe(Accounts);
        (await stack.Messages("whatsapp")).ShouldAllBe(m => m.Document != null && m.Document!.Filename!.EndsWith(".pdf"));

        // At the broker: the render node consumes the PDF queue and the scheduler's (every worker's), nothing else; the
        // other worker consumes everything but the PDF queue.
        using var management = TestGround.Management();
        var vhost = service.Ground.VirtualHost;
        var renderQueues = await Eventually.Get("the render node's consumers counted by the broker",
            () => management.QueuesConsumedBy(vhost, "render-node"), q => q.Contains("statement-pdf"));
        renderQueues.Order().ShouldBe(["scheduler", "statement-pdf"]);
        var billingQueues = await Eventually.Get("the billing node's consumers counted by the broker",
            () => management.QueuesConsumedBy(vhost, "billing-node"), q => q.Contains("statement-sms"));
        billingQueues.ShouldNotContain("statement-pdf");
        foreach (var queue in new[] { "statement-sms", "statement-email", "statement-whatsapp", "account-billing-state", "refund-state", "scheduler" })
            billingQueues.ShouldContain(queue);

        // The render node printed; the other never started a browser.
        ProcessTree.Descendants(render.Id, "chrom").ShouldNotBeEmpty();
        ProcessTree.Descendants(billing.Id, "chrom").ShouldBeEmpty();

        // Hangfire runs in the worker with the jobs role only (its server name carries the process id).
        var servers = await service.Query("select id from hangfire.server");
        servers.ShouldContain(s => s.StartsWith($"billing-worker:{billing.Id}:"), string.Join(", ", servers));
        servers.ShouldNotContain(s => s.StartsWith($"billing-worker:{render.Id}:"), string.Join(", ", servers));

        // /health/ready names the roles; only the render node looks at Chromium.
        var renderHealth = await Ready(renderPort);
        renderHealth.GetProperty("roles").GetProperty("description").GetString().ShouldBe("pdf");
        renderHealth.GetProperty("chromium").GetProperty("data").GetProperty("prints").GetInt32().ShouldBeGreaterThan(0);
        var billingHealth = await Ready(billingPort);
        billingHealth.GetProperty("roles").GetProperty("description").GetString().ShouldBe("billing,delivery,refunds,passbook,jobs");
        billingHealth.TryGetProperty("chromium", out _).ShouldBeFalse("a worker without the pdf role does not probe Chromium");
    }

    [Theory]
    [InlineData("--only nope", "--only: 'nope' is not a worker role. Valid roles: billing, pdf, delivery, refunds, passbook, jobs.")]
    [InlineData("--only pdf --except pdf", "--only and --except cannot be used together")]
    [InlineData("--except billing,pdf,delivery,refunds,passbook,jobs", "--except leaves the worker no role to run. Valid roles:")]
    [InlineData("Worker__Only=nope", "Worker:Only: 'nope' is not a worker role. Valid roles: billing, pdf, delivery, refunds, passbook, jobs.")]
    [InlineData("Worker__Only=pdf Worker__Except=pdf", "Worker:Only and Worker:Except cannot be used together")]
    public async Task Roles_that_cannot_be_run_are_refused_by_name_and_nothing_starts(string input, string error)
    {
        // A worker on real ground: had the roles been ignored, it would start and declare its queues.
        await using var ground = await TestGround.Create();
        var words = input.Split(' ');
        var settings = words.Where(w => w.Contains('=')).ToDictionary(w => w.Split('=')[0], w => w.Split('=')[1]);
        var worker = WorkerProcess.StartCommand(ground.ServiceSettings, settings, ["worker", .. words.Where(w => !w.Contains('='))]);
        await using var _ = worker;

        (await worker.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBeTrue($"the worker should refuse and exit:\n{worker.Output}");
        worker.ExitCode.ShouldNotBe(0);
        worker.Output.ShouldContain(error, Case.Sensitive, worker.Output);
        worker.Output.ShouldNotContain(WorkerReadiness.ReadyLine);
        (await ground.Queues()).ShouldBeEmpty("nothing was declared on the broker");
    }

    static Dictionary<string, string> Node(string connectionName, int monitoringPort) => new()
    {
        // The broker names each process's consumers by its connections' name.
        ["RabbitMq__ConnectionName"] = connectionName,
        ["Monitoring__WorkerUrls"] = $"http://127.0.0.1:{monitoringPort}",
    };

    static async Task<JsonElement> Ready(int port)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/health/ready");
        return JsonDocument.Parse(text).RootElement.GetProperty("checks");
    }
}
