using Billing.Infrastructure.Messaging;
using Npgsql;

namespace Billing.Tests.Support;

/// <summary>
/// One test class's clean ground (its own database and virtual host, see <see cref="TestGround"/>), for tests of the
/// messaging core that start workers and buses themselves. Feature tests use <see cref="ServiceStack"/>, which makes a
/// ground per test. Use it as <c>IClassFixture&lt;StackFixture&gt;</c>.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    TestGround? _ground;

    public TestGround Ground => _ground ?? throw new InvalidOperationException("The fixture has not been initialized.");
    public string ConnectionString => Ground.ConnectionString;
    public NpgsqlDataSource DataSource => Ground.DataSource;
    public string VirtualHost => Ground.VirtualHost;
    public IReadOnlyDictionary<string, string> ServiceSettings => Ground.ServiceSettings;

    public async Task InitializeAsync() => _ground = await TestGround.Create();

    public async Task DisposeAsync()
    {
        if (_ground is not null)
            await _ground.DisposeAsync();
    }

    public Task<WorkerProcess> StartWorker(IReadOnlyDictionary<string, string>? settings = null) =>
        WorkerProcess.StartReady(ServiceSettings, settings);

    public async Task PurgeQueue(string queue)
    {
        using var management = TestGround.Management();
        await management.Purge(VirtualHost, queue);
    }

    /// <summary>Every queue of this ground's virtual host, with its depth and consumers (as the broker last counted them).</summary>
    public Task<IReadOnlyList<QueueDepth>> Queues() => Ground.Queues();

    public async Task<long> Count(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
