using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Billing.Features.Access;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;
using MimeKit;

namespace Billing.Tests.Deployment;

/// <summary>
/// docker-compose.yml as written, with no Docker engine: its api and worker services' environment, taken from the file,
/// given to real processes here (<see cref="ComposeOnThisMachine"/> says what is mapped and how), each in a working
/// directory of its own as each container has its own filesystem. Only the shared volume joins them.
/// </summary>
public sealed partial class DockerComposeTests
{
    static readonly string ComposePath = Path.Combine(Repository.Root, "docker-compose.yml");

    [Fact]
    public async Task The_api_and_two_workers_configured_as_compose_says_deliver_every_holders_pdf_by_link_and_by_email()
    {
        // Breaks when compose leaves the providers, the mail sink or the link base URL at their 127.0.0.1 defaults (the
        // mapping then finds nothing listening, or the links lead nowhere), or gives api and worker no shared directory
        // (relative to each process's working directory, the e-mail consumer or the api finds no PDF).
        const int accounts = 240;
        await using var ground = await TestGround.Create();
        await using var standIns = await StandIns.Start();
        var root = Directory.CreateTempSubdirectory("billing-compose-").FullName;
        var apiPort = FreePort.Next();
        var compose = ComposeFile.Load(ComposePath, new Dictionary<string, string>
        {
            // What a user sets before `docker compose up`: here, this test's ground and this machine's stack.
            ["BILLING_DB_NAME"] = ground.Database,
            ["BILLING_RABBIT_VHOST"] = ground.VirtualHost,
            ["BILLING_PG_PORT"] = TestGround.PgPort,
            ["BILLING_RABBIT_PORT"] = TestGround.RabbitPort,
            ["BILLING_SMTP_PORT"] = MailSink.Port.ToString(),
            ["BILLING_PROVIDERS_PORT"] = new Uri(standIns.Url).Port.ToString(),
            ["BILLING_API_PORT"] = apiPort.ToString(),
        });
        var here = new ComposeOnThisMachine(compose, Path.Combine(root, "volumes"));
        Directory.CreateDirectory(here.VolumeDirectory("statements"));
        var processes = new List<WorkerProcess>();
        try
        {
            string WorkingDirectory(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            var migrate = WorkerProcess.StartAs(compose.Service("migrate").Command, WorkingDirectory("migrate"), here.Environment("migrate"));
            processes.Add(migrate);
            (await migrate.WaitForExit(TimeSpan.FromMinutes(2))).ShouldBeTrue("migrate should finish");
            migrate.ExitCode.ShouldBe(0, migrate.Output);

            // The image listens on ASPNETCORE_HTTP_PORTS (Dockerfile); here, on the port compose publishes it on.
            var apiEnvironment = here.Environment("api");
            apiEnvironment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{here.HostPort("api", ImagePort())}";
            processes.Add(WorkerProcess.StartAs(compose.Service("api").Command, WorkingDirectory("api"), apiEnvironment));
            var workers = new[] { "worker-1", "worker-2" }.Select(name =>
                WorkerProcess.StartAs(compose.Service("worker").Command, WorkingDirectory(name), here.Environment("worker"))).ToList();
            processes.AddRange(workers);
            foreach (var worker in workers)
                await worker.WaitUntilReady();

            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
            await Eventually.Until("the api to answer /health/live", async () =>
            {
                processes[1].HasExited.ShouldBeFalse(processes[1].Output);
                try { return (await api.GetAsync("/health/live")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            });
            api.DefaultRequestHeaders.Add(ApiKeys.Header, await new ApiKeys(ground.DataSource, TimeProvider.System)
                .Create("compose-test", [.. Roles.All], "tests", CancellationToken.None));
            await Eventually.Until("both workers consuming statement-email on this ground's virtual host", async () =>
                (await ground.Queues()).Any(q => q.Name == "statement-email" && q.Consumers == 2));

            var tag = "c" + Guid.NewGuid().ToString("N")[..10];
            await BillingStack.SeedAccounts(async (sql, parameters) =>
            {
                await using var command = ground.DataSource.CreateCommand(sql);
                foreach (var value in parameters)
                    command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
                await command.ExecuteNonQueryAsync();
            }, accounts);
            await using (var tagging = ground.DataSource.CreateCommand(
                             "update billing.account set email = account_id || '.' || $1 || '@example.test', whatsapp_opt_in = (right(account_id, 5)::int % 4 = 0)"))
            {
                tagging.Parameters.Add(new Npgsql.NpgsqlParameter { Value = tag });
                await tagging.ExecuteNonQueryAsync();
            }

            (await api.PostAsJsonAsync("/billing/runs", new { statementDate = BillingStack.Today.ToString("yyyy-MM-dd") }))
                .StatusCode.ShouldBe(HttpStatusCode.Accepted);
            await Eventually.Get($"{accounts} statements' deliveries settled", () => Count(ground,
                    "select count(*) from billing.statement where delivery_status is not null"), n => n == accounts,
                TimeSpan.FromMinutes(8), n => $"{n} settled; " + string.Join("; ", workers.Select(w => w.HasExited ? w.Output : "")));
            (await Rows(ground, "select channel || ':' || status, coalesce(last_error, '') from billing.delivery where status <> 'sent' and status <> 'skipped' limit 5"))
                .ShouldBeEmpty("every channel sent or skipped");
            (await Count(ground, "select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(accounts);

            // Every holder's SMS link (as sent, to the address compose's LinkBaseUrl gives) serves their own PDF.
            var pdfs = new Dictionary<string, byte[]>();
            var sms = (await standIns.Ledger()).Messages!.Sms!;
            sms.Select(m => m.To).Distinct().Count().ShouldBe(accounts);
            using var holder = new HttpClient();
            foreach (var message in sms)
            {
                var link = Link().Match(message.Body!).Value;
                link.ShouldStartWith($"http://localhost:{apiPort}/s/", Case.Sensitive, message.Body);
                using var response = await holder.GetAsync(link);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, link);
                pdfs[message.To!] = await response.Content.ReadAsByteArrayAsync();
            }

            var hashes = await Rows(ground, "select a.phone, s.pdf_sha256 from billing.statement s join billing.account a using (account_id)");
            foreach (var (phone, sha) in hashes)
                Convert.ToHexStringLower(SHA256.HashData(pdfs[phone])).ShouldBe(sha, $"the link in {phone}'s SMS");

            // Every e-mail carries its holder's PDF: the same bytes as their link.
            var mails = await MailSink.WaitFor(tag, accounts);
            mails.Count.ShouldBe(accounts);
            var phones = (await Rows(ground, "select email, phone from billing.account")).ToDictionary(r => r.Item1, r => r.Item2);
            foreach (var mail in mails)
            {
                var message = MimeMessage.Load(mail.Path);
                var attachment = message.Attachments.OfType<MimePart>().ShouldHaveSingleItem();
                using var content = new MemoryStream();
                await attachment.Content!.DecodeToAsync(content);
                content.ToArray().ShouldBe(pdfs[phones[message.To.Mailboxes.Single().Address]]);
            }

            (await standIns.Ledger()).Messages!.WhatsApp!.Count.ShouldBe(accounts / 4);
            // The PDFs are on the volume and nowhere else: nothing was written into a process's own working directory.
            Directory.GetFiles(here.VolumeDirectory("statements"), "*.pdf", SearchOption.AllDirectories).Length.ShouldBe(accounts);
            foreach (var name in new[] { "api", "worker-1", "worker-2" })
                Directory.GetFileSystemEntries(Path.Combine(root, name)).ShouldBeEmpty($"{name}'s working directory");
        }
        finally
        {
            await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_statements_directory_is_a_named_volume_of_api_and_worker_that_the_image_makes_for_its_user()
    {
        // Breaks if api and worker stop sharing the volume, or if the image leaves the directory to root (uid 1654 could
        // not write a PDF; a new named volume takes the image directory's owner).
        var compose = ComposeFile.Load(ComposePath, new Dictionary<string, string>());
        var directory = compose.Service("worker").Environment["Statements__Pdf__Directory"];
        compose.Service("api").Environment["Statements__Pdf__Directory"].ShouldBe(directory);
        foreach (var service in new[] { "api", "worker" })
            compose.Service(service).Volumes.ShouldContain(v => v.Target == directory && compose.NamedVolumes.Contains(v.Source), service);

        var dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile")).Replace("\\\n", " ");
        var user = dockerfile.IndexOf("useradd", StringComparison.Ordinal);
        var makes = Regex.Match(dockerfile, $@"^RUN mkdir -p {Regex.Escape(directory)}\b.*chown -R ""\$APP_UID:\$APP_UID"" (?<owned>\S+)",
            RegexOptions.Multiline);
        makes.Success.ShouldBeTrue($"the Dockerfile makes {directory} and gives it to $APP_UID");
        directory.ShouldStartWith(makes.Groups["owned"].Value);
        makes.Index.ShouldBeGreaterThan(user, "after the user exists");
        makes.Index.ShouldBeLessThan(dockerfile.IndexOf("USER $APP_UID", StringComparison.Ordinal), "while the build is still root");
    }

    static int ImagePort() => int.Parse(Regex.Match(File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile")),
        @"ASPNETCORE_HTTP_PORTS=(\d+)").Groups[1].Value);

    static async Task<long> Count(TestGround ground, string sql)
    {
        await using var command = ground.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    static async Task<List<(string, string)>> Rows(TestGround ground, string sql)
    {
        await using var command = ground.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    [GeneratedRegex(@"https?://\S+/s/[A-Za-z0-9_-]{32}")]
    private static partial Regex Link();
}
