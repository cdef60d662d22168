using Billing.Features.Access;
using Billing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Support;

/// <summary>
/// The whole service for one feature test, for real and on clean ground of its own: the provider stand-ins on a
/// loopback port, the API in process on its own port, and worker processes pointed at both. Feature wrappers
/// (RefundStack, …) add their settings and helpers on top; see tests/README.md.
/// </summary>
public sealed class ServiceStack : IAsyncDisposable
{
    readonly Dictionary<string, string> _settings;
    readonly WebApplication _api;
    readonly List<WorkerProcess> _workers = [];

    readonly List<HttpClient> _clients = [];
    readonly Dictionary<string, HttpClient> _named = [];

    ServiceStack(TestGround ground, StandIns standIns, WebApplication api, Dictionary<string, string> settings)
    {
        Ground = ground;
        StandIns = standIns;
        _api = api;
        _settings = settings;
        Api = Client(followRedirects: true);
    }

    /// <summary>The API's own services (its endpoint table, its stores).</summary>
    public IServiceProvider ApiServices => _api.Services;

    /// <summary>A client of the API with no credentials at all; it shows redirects (to the login page, say) instead of following them.</summary>
    public HttpClient AnonymousClient() => Client(followRedirects: false);

    HttpClient Client(bool followRedirects)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = followRedirects }) { BaseAddress = new Uri(_api.ListeningAddress()) };
        _clients.Add(client);
        return client;
    }

    /// <summary>A client that acts with an API key of its own holding these roles (one per name: the roles of its first call); the audit trail names it <c>key:{name}</c>.</summary>
    public async Task<HttpClient> ClientAs(string name, params string[] roles)
    {
        if (_named.TryGetValue(name, out var known))
            return known;
        var key = await _api.Services.GetRequiredService<ApiKeys>().Create(name, roles, "tests", CancellationToken.None);
        var client = Client(followRedirects: true);
        client.DefaultRequestHeaders.Add(ApiKeys.Header, key);
        return _named[name] = client;
    }

    /// <summary>A client with a fresh API key holding exactly these roles.</summary>
    public Task<HttpClient> ClientWithRoles(params string[] roles) => ClientAs($"roles-{string.Join('-', roles)}-{Guid.NewGuid():N}", roles);

    public const string SuiteKey = "test-suite";

    /// <summary>How the audit trail and the sagas name what <see cref="Api"/> does.</summary>
    public const string SuiteActor = "key:" + SuiteKey;

    public TestGround Ground { get; }
    public StandIns StandIns { get; }
    /// <summary>A client holding every role (an API key named <c>test-suite</c>), for tests about something else than access.</summary>
    public HttpClient Api { get; private set; }
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>The settings every process of this stack runs with (environment-variable form).</summary>
    public IReadOnlyDictionary<string, string> Settings => _settings;

    /// <param name="settings">Service settings over the ground's and the stand-ins' (environment-variable form).</param>
    /// <param name="standIns">How the provider stand-ins behave (their own options, not the service's).</param>
    public static async Task<ServiceStack> Start(IReadOnlyDictionary<string, string>? settings = null, int workers = 1,
        IReadOnlyDictionary<string, string>? standIns = null)
    {
        var ground = await TestGround.Create();
        var providers = await StandIns.Start(standIns);

        var service = new Dictionary<string, string>(ground.ServiceSettings);
        foreach (var (key, value) in providers.ServiceSettings.Concat(settings ?? new Dictionary<string, string>()))
            service[key] = value;

        var api = BillingHost.Api(["--urls", "http://127.0.0.1:0"], configuration =>
            configuration.AddInMemoryCollection(service.ToDictionary(p => p.Key.Replace("__", ":"), p => (string?)p.Value)));
        await api.StartAsync();

        var stack = new ServiceStack(ground, providers, api, service);
        stack.Api = await stack.ClientAs(SuiteKey, [.. Roles.All]);
        for (var i = 0; i < workers; i++)
            await stack.StartWorker();
        return stack;
    }

    /// <summary>Starts one more worker and returns once it consumes every queue it serves.</summary>
    /// <param name="arguments">After <c>worker</c> on its command line (<c>--only pdf</c>).</param>
    public async Task<WorkerProcess> StartWorker(IReadOnlyDictionary<string, string>? settings = null, params string[] arguments)
    {
        var worker = WorkerProcess.StartCommand(_settings, settings, ["worker", .. arguments]);
        lock (_workers)
            _workers.Add(worker);
        await worker.WaitUntilReady();
        return worker;
    }

    readonly HashSet<int> _killed = [];

    /// <summary>
    /// What a supervisor (systemd, Kubernetes) does for production workers: every worker that exits without the test
    /// killing it (the broker watchdog's 75, a start that failed while a server restarted) is started again, and its exit
    /// and last output lines are reported. Runs until <paramref name="stop"/> is cancelled.
    /// </summary>
    public async Task Supervise(Action<string> report, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            List<WorkerProcess> exited;
            lock (_workers)
                exited = _workers.Where(w => w.HasExited && !_killed.Contains(w.Id)).ToList();
            foreach (var gone in exited)
            {
                var last = string.Join("\n", gone.Output.Split('\n').TakeLast(15));
                report($"worker {gone.Id} exited with {gone.ExitCode}; started again. Its last lines:\n{last}");
                var replacement = WorkerProcess.Start(_settings);
                lock (_workers)
                {
                    _killed.Add(gone.Id);
                    _workers.Add(replacement);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>SIGKILLs a worker and waits until it is gone.</summary>
    public async Task Kill(WorkerProcess worker)
    {
        lock (_workers)
            _killed.Add(worker.Id);
        worker.Kill();
        (await worker.WaitForExit(TimeSpan.FromSeconds(30))).ShouldBeTrue("the killed worker should be gone");
    }

    /// <summary>Waits until nothing is left to do on the stack's ground (see <see cref="TestGround.WaitUntilIdle"/>).</summary>
    public Task WaitUntilIdle(TimeSpan? timeout = null) => Ground.WaitUntilIdle(timeout);

    /// <summary>Restarts Postgres under the stack; the test's own idle connections died with it and are let go.</summary>
    public async Task RestartPostgres()
    {
        await StackServers.RestartPostgres();
        Ground.DataSource.Clear();
    }

    public async Task<long> Count(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task Execute(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of every row, as text.</summary>
    public async Task<IReadOnlyList<string>> Query(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0))!);
        return rows;
    }

    NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = Ground.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        // Workers first and gracefully, so nothing they hold is half done when the ground goes.
        await Task.WhenAll(_workers.Select(w => w.DisposeAsync().AsTask()));
        await _api.DisposeAsync();
        await StandIns.DisposeAsync();
        foreach (var client in _clients)
            client.Dispose();
        await Ground.DisposeAsync();
    }
}
