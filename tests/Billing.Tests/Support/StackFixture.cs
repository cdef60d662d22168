using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Billing.Tests.Support;

/// <summary>
/// The real Postgres and RabbitMQ that scripts/stack.sh starts, given a fresh database and a fresh RabbitMQ
/// virtual host for this test run. Fails loudly, naming the fix, when the stack is not running.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    // Overridable so that two checkouts on one machine can run their tests at the same time.
    public static readonly string Database = Environment.GetEnvironmentVariable("BILLING_TEST_DATABASE") ?? "billing_test";
    public static readonly string VirtualHost = Environment.GetEnvironmentVariable("BILLING_TEST_VHOST") ?? "billing-test";

    static readonly string PgHost = Environment.GetEnvironmentVariable("BILLING_PG_HOST") ?? "127.0.0.1";
    static readonly string PgPort = Environment.GetEnvironmentVariable("BILLING_PG_PORT") ?? "5432";
    static readonly string RabbitPort = Environment.GetEnvironmentVariable("BILLING_RABBIT_PORT") ?? "5672";
    const string User = "billing";
    const string Password = "billing";
    const string ManagementUrl = "http://127.0.0.1:15672";

    public string ConnectionString { get; } =
        $"Host={PgHost};Port={PgPort};Database={Database};Username={User};Password={Password};Maximum Pool Size=40;Max Auto Prepare=50;No Reset On Close=true;SSL Mode=Disable";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>Configuration for every process of the service a test starts (environment-variable form).</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings => new Dictionary<string, string>
    {
        ["ConnectionStrings__Billing"] = ConnectionString,
        ["RabbitMq__Host"] = "127.0.0.1",
        ["RabbitMq__Port"] = RabbitPort,
        ["RabbitMq__VirtualHost"] = VirtualHost,
        ["RabbitMq__Username"] = User,
        ["RabbitMq__Password"] = Password,
        ["Logging__LogLevel__Default"] = "Warning",
        // The daily reconciler must not fire in the middle of a test run that happens to span 03:00 UTC.
        ["Refunds__Reconciler__Cron"] = "0 0 3 1 1 ? 2099",
    };

    public async Task InitializeAsync()
    {
        await RecreateDatabase();
        await RecreateVirtualHost();

        DataSource = NpgsqlDataSource.Create(ConnectionString);
        await new Migrator(DataSource, NullLogger<Migrator>.Instance).ApplyAsync(Migrator.FindMigrationsDirectory());
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();

    /// <summary>Drops and creates a database with no tables, for tests that need to start from nothing.</summary>
    public async Task<NpgsqlDataSource> CreateEmptyDatabase(string name)
    {
        await DropAndCreate(name);
        return NpgsqlDataSource.Create(ConnectionString.Replace($"Database={Database}", $"Database={name}"));
    }

    static async Task DropAndCreate(string database)
    {
        var admin = $"Host={PgHost};Port={PgPort};Database=postgres;Username={User};Password={Password};Pooling=false";
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {database} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
        await using var create = new NpgsqlCommand($"create database {database}", connection);
        await create.ExecuteNonQueryAsync();
    }

    async Task RecreateDatabase()
    {
        try
        {
            await DropAndCreate(Database);
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(
                $"Postgres does not answer at {PgHost}:{PgPort} as user '{User}'. Start the local stack with `scripts/stack.sh up` " +
                "(the README's test command, scripts/test.sh, does it for you).", exception);
        }
    }

    async Task RecreateVirtualHost()
    {
        try
        {
            using var management = Management();
            await management.RecreateVirtualHost(VirtualHost);
        }
        catch (HttpRequestException exception)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API does not answer at {ManagementUrl} as '{User}'. Start the local stack with `scripts/stack.sh up` " +
                "(the README's test command, scripts/test.sh, does it for you).", exception);
        }
    }

    /// <summary>Waits until a queue of the test virtual host has at least <paramref name="consumers"/> consumers.</summary>
    public async Task WaitForConsumers(string queue, int consumers, TimeSpan timeout)
    {
        using var management = Management();
        var deadline = DateTime.UtcNow + timeout;
        var seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            seen = await management.Consumers(VirtualHost, queue);
            if (seen >= consumers)
                return;
            await Task.Delay(250);
        }

        throw new TimeoutException($"Queue '{queue}' had {seen} consumer(s) after {timeout.TotalSeconds:N0} s; expected {consumers}.");
    }

    public async Task PurgeQueue(string queue)
    {
        using var management = Management();
        await management.Purge(VirtualHost, queue);
    }

    static RabbitMqManagement Management() => new(ManagementUrl, User, Password);
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    /// <summary>Tests against the stack share one database and virtual host, and run one at a time.</summary>
    public const string Name = "stack";
}
