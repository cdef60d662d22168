using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Billing.Tests.Support;

/// <summary>
/// Clean ground on the real stack that scripts/stack.sh starts: a database of its own (a copy of a template migrated
/// once per test run) and a RabbitMQ virtual host of its own, both dropped on dispose, so nothing one test leaves
/// behind (rows, scheduled messages, unacknowledged deliveries) reaches another. Fails loudly, naming the fix, when
/// the stack is not running.
/// </summary>
public sealed class TestGround : IAsyncDisposable
{
    // A prefix of each checkout's own lets two checkouts on one machine (worktrees, say) run their tests at the same time:
    // each run drops its template and the leftovers of its own prefix, and would otherwise drop the other's mid-test.
    static readonly string Prefix = Environment.GetEnvironmentVariable("BILLING_TEST_DATABASE") ?? $"billing_test_k{CheckoutTag}";
    static readonly string VirtualHostPrefix = Environment.GetEnvironmentVariable("BILLING_TEST_VHOST") ?? $"billing-test-k{CheckoutTag}";

    /// <summary>Six hex digits of the checkout's path ('k' before them keeps a prefix from looking like a run id).</summary>
    static string CheckoutTag => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(Repository.Root)))[..6];
    static readonly string Template = $"{Prefix}_template";
    static readonly string RunId = Guid.NewGuid().ToString("N")[..6];
    static int _grounds;

    public static readonly string PgHost = Environment.GetEnvironmentVariable("BILLING_PG_HOST") ?? "127.0.0.1";
    public static readonly string PgPort = Environment.GetEnvironmentVariable("BILLING_PG_PORT") ?? "5432";
    public static readonly string RabbitPort = Environment.GetEnvironmentVariable("BILLING_RABBIT_PORT") ?? "5672";
    public static readonly string ManagementUrl =
        $"http://127.0.0.1:{Environment.GetEnvironmentVariable("BILLING_RABBIT_MGMT_PORT") ?? "15672"}";
    public const string User = "billing";
    public const string Password = "billing";

    static readonly SemaphoreSlim TemplateGate = new(1, 1);
    static bool _templateReady;

    TestGround(string database, string virtualHost)
    {
        Database = database;
        VirtualHost = virtualHost;
        ConnectionString = ConnectionStringFor(database);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public string Database { get; }
    public string VirtualHost { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Configuration for every process of the service on this ground (environment-variable form).</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings => new Dictionary<string, string>
    {
        ["ConnectionStrings__Billing"] = ConnectionString,
        ["RabbitMq__Host"] = "127.0.0.1",
        ["RabbitMq__Port"] = RabbitPort,
        ["RabbitMq__VirtualHost"] = VirtualHost,
        ["RabbitMq__Username"] = User,
        ["RabbitMq__Password"] = Password,
        ["RabbitMq__ManagementUrl"] = ManagementUrl,
        // A bus that cannot start fails its test within a minute instead of hanging the run.
        ["RabbitMq__StartTimeout"] = "00:01:00",
        ["Logging__LogLevel__Default"] = "Warning",
        // The line tests wait for before they send anything (WorkerProcess.WaitUntilReady).
        [$"Logging__LogLevel__{typeof(WorkerReadiness).FullName}"] = "Information",
        // Every test stack starts with no one to log in; its warning at each start would say so hundreds of times.
        [$"Logging__LogLevel__{typeof(Billing.Features.Access.FirstAdminNotice).FullName}"] = "Error",
        // The scheduled jobs must not fire in the middle of a test (a run spanning 03:00 UTC, the top of an hour): 31 February.
        // A test that wants one sets its own schedule.
        ["Refunds__Reconciler__Cron"] = "0 0 31 2 *",
        ["Refunds__Janitor__Cron"] = "0 0 31 2 *",
        ["Refunds__Digest__Cron"] = "0 0 31 2 *",
        ["Jobs__QueuePollInterval"] = "00:00:01",
    };

    public static async Task<TestGround> Create()
    {
        await EnsureTemplate();
        var number = Interlocked.Increment(ref _grounds);
        var ground = new TestGround($"{Prefix}_{RunId}_{number}", $"{VirtualHostPrefix}-{RunId}-{number}");
        await Admin($"create database {ground.Database} template {Template}");
        await WithManagement(m => m.RecreateVirtualHost(ground.VirtualHost));
        return ground;
    }

    /// <summary>A database with no tables at all (and no virtual host), for tests of the migrations themselves.</summary>
    public static async Task<NpgsqlDataSource> CreateEmptyDatabase(string suffix)
    {
        var name = $"{Prefix}_{RunId}_{suffix}";
        await DropDatabase(name);
        await Admin($"create database {name}");
        return NpgsqlDataSource.Create(ConnectionStringFor(name));
    }

    /// <summary>
    /// Waits until nothing is left to do: every queue of the ground empty (ready and unacknowledged), nothing in the
    /// outbox and nothing scheduled. Seen quiet for longer than the broker's statistics lag, so a message in passing
    /// between two looks is not missed. The positive signal a negative check waits for ("and nothing else happened").
    /// </summary>
    public Task WaitUntilIdle(TimeSpan? timeout = null) =>
        WaitUntilQuiet("the ground to be idle (queues, outbox and scheduler empty)", _ => true, scheduled: true, timeout);

    /// <summary>
    /// Waits until the named queues are empty and the outbox too: everything sent to them so far has been consumed,
    /// while other work (a scheduled retry, a slow provider call elsewhere) may still be pending.
    /// </summary>
    public Task WaitUntilDrained(params string[] queues) =>
        WaitUntilQuiet($"queues {string.Join(", ", queues)} and the outbox to be empty", queues.Contains, scheduled: false, null);

    async Task WaitUntilQuiet(string what, Func<string, bool> watched, bool scheduled, TimeSpan? timeout)
    {
        DateTime? quietSince = null;
        await Eventually.Get(what, async () =>
        {
            var busy = await Busy(watched, scheduled);
            quietSince = busy.Count > 0 ? null : quietSince ?? DateTime.UtcNow;
            return (Busy: busy, QuietFor: quietSince is { } since ? DateTime.UtcNow - since : TimeSpan.Zero);
        }, seen => seen.Busy.Count == 0 && seen.QuietFor > StatisticsLag, timeout, seen => string.Join(", ", seen.Busy));
    }

    /// <summary>The broker counts queue depths every 500 ms here (scripts/stack.sh sets collect_statistics_interval).</summary>
    static readonly TimeSpan StatisticsLag = TimeSpan.FromSeconds(1.5);

    async Task<List<string>> Busy(Func<string, bool> watched, bool scheduled)
    {
        using var management = Management();
        var busy = (await management.Queues(VirtualHost)).Where(q => watched(q.Name) && q.Messages > 0).Select(q => $"{q.Name}: {q.Messages}").ToList();
        var tables = scheduled
            ? new[] { ("messaging.outbox_message", "outbox"), ("messaging.scheduled_message", "scheduled") }
            : [("messaging.outbox_message", "outbox")];
        foreach (var (table, label) in tables)
        {
            await using var command = DataSource.CreateCommand($"select count(*) from {table}");
            if ((long)(await command.ExecuteScalarAsync())! is var rows and > 0)
                busy.Add($"{label}: {rows}");
        }

        return busy;
    }

    /// <summary>Every queue of the ground's virtual host, with its depth and consumers (as the broker last counted them).</summary>
    public async Task<IReadOnlyList<QueueDepth>> Queues()
    {
        using var management = Management();
        return await management.Queues(VirtualHost);
    }

    public static RabbitMqManagement Management() => new(ManagementUrl, User, Password);

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await DropDatabase(Database);
        await WithManagement(m => m.DeleteVirtualHost(VirtualHost));
    }

    static string ConnectionStringFor(string database) =>
        $"Host={PgHost};Port={PgPort};Database={database};Username={User};Password={Password};Maximum Pool Size=40;Max Auto Prepare=50;No Reset On Close=true;SSL Mode=Disable";

    /// <summary>Once per test run: the template every ground copies, migrated; grounds an earlier run left behind, dropped.</summary>
    static async Task EnsureTemplate()
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (_templateReady)
                return;
            await DropLeftovers();
            await Admin($"drop database if exists {Template} with (force)");
            await Admin($"create database {Template}");
            // No pooling: a template must have no open connection when it is copied.
            await using (var template = NpgsqlDataSource.Create(ConnectionStringFor(Template) + ";Pooling=false"))
                await new Migrator(template, NullLogger<Migrator>.Instance).ApplyAsync(Migrator.FindMigrationsDirectory());
            _templateReady = true;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    static async Task DropLeftovers()
    {
        await using (var connection = await OpenAdmin())
        {
            // Only names of this prefix's runs (prefix, run id, number): another checkout's prefix may start like ours.
            await using var command = new NpgsqlCommand("select datname from pg_database where datname ~ $1", connection);
            command.Parameters.AddWithValue($"^{Prefix}_[0-9a-f]{{6}}_");
            var names = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    names.Add(reader.GetString(0));
            foreach (var name in names.Where(n => n != Template))
            {
                await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
                await drop.ExecuteNonQueryAsync();
            }
        }

        var ours = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(VirtualHostPrefix)}-[0-9a-f]{{6}}-");
        await WithManagement(async management =>
        {
            foreach (var vhost in (await management.VirtualHosts()).Where(v => ours.IsMatch(v)))
                await management.DeleteVirtualHost(vhost);
        });
    }

    static async Task WithManagement(Func<RabbitMqManagement, Task> call)
    {
        using var management = Management();
        try
        {
            await call(management);
        }
        catch (HttpRequestException exception)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API does not answer at {ManagementUrl} as '{User}'. Start the local stack with `scripts/stack.sh up` " +
                "(the README's test command, scripts/test.sh, does it for you).", exception);
        }
    }

    /// <summary>
    /// Drops a ground's database, its sessions with it. A backend that is still winding down can make the forced drop
    /// refuse (42501, 55006) for a moment; it is tried again a few times rather than failing the test that used it.
    /// </summary>
    static async Task DropDatabase(string database)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Admin($"drop database if exists {database} with (force)");
                return;
            }
            catch (PostgresException e) when (e.SqlState is "42501" or "55006" && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    static async Task Admin(string sql)
    {
        await using var connection = await OpenAdmin();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    static async Task<NpgsqlConnection> OpenAdmin()
    {
        var connection = new NpgsqlConnection($"Host={PgHost};Port={PgPort};Database=postgres;Username={User};Password={Password};Pooling=false");
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException(
                $"Postgres does not answer at {PgHost}:{PgPort} as user '{User}'. Start the local stack with `scripts/stack.sh up` " +
                "(the README's test command, scripts/test.sh, does it for you).", exception);
        }
    }
}
