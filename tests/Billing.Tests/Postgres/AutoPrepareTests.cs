using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Postgres;

/// <summary>
/// Npgsql's automatic preparation (<c>Max Auto Prepare</c>) and a parameter Postgres refuses while it binds (a NUL in a
/// string: 22021). When that refusal comes on the very execution that prepares the statement, Npgsql (10.0.0 to 10.0.3,
/// and its main branch in August 2026) has seen ParseComplete, marks the statement prepared, and never reads the row
/// description that the failed Bind cut off. The next caller handed that pooled connection runs the same SQL as
/// "prepared, returns no rows" and fails on the first DataRow. See docs/operations.md, "Hostile input".
/// </summary>
public sealed class AutoPrepareTests(StackFixture stack) : IClassFixture<StackFixture>
{
    const string Sql = "select $1::text, 2";

    /// <summary>
    /// A canary for the library, not for our code: when it fails, Npgsql no longer poisons the connection and the API's
    /// guard (auto-preparation off in <c>PersistenceRegistration</c>) can go.
    /// </summary>
    [Fact]
    public async Task Npgsql_with_auto_prepare_breaks_the_next_caller_on_a_connection_whose_preparing_execution_was_refused()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(stack.ConnectionString) { MaxPoolSize = 1, MaxAutoPrepare = 50 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        var (refused, next, sameConnection) = await RefuseThePreparingExecutionThenRunItAgain(dataSource);

        refused.ShouldBeOfType<PostgresException>().SqlState.ShouldBe("22021");
        sameConnection.ShouldBeTrue("the next caller should get the same physical connection back from the pool");
        next.ShouldNotBeNull("an innocent caller after the refused preparation").Message.ShouldContain("unexpected backend message DataRow");
    }

    [Fact]
    public async Task The_APIs_data_source_serves_the_next_caller_after_a_refused_parameter()
    {
        await using var api = await ServiceStack.Start(workers: 0);
        // The API's own settings on a pool of one connection: the API's background services share its pool, so on the
        // pool itself the next caller may be handed another connection and the check would see nothing (CI did once).
        var settings = new NpgsqlConnectionStringBuilder(api.ApiServices.GetRequiredService<NpgsqlDataSource>().ConnectionString)
        {
            Password = new NpgsqlConnectionStringBuilder(stack.ConnectionString).Password,
            MaxPoolSize = 1,
        };
        await using var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);

        var (refused, next, sameConnection) = await RefuseThePreparingExecutionThenRunItAgain(dataSource);

        refused.ShouldBeOfType<PostgresException>().SqlState.ShouldBe("22021");
        sameConnection.ShouldBeTrue("the next caller should get the same physical connection back from the pool");
        next.ShouldBeNull("an innocent caller on the connection a refused parameter came through");
    }

    /// <summary>
    /// Runs <see cref="Sql"/> four times with a good value and the fifth time (the one Npgsql's default
    /// <c>Auto Prepare Min Usages</c> prepares) with a NUL, each as a caller of its own (open, run, close), then once more
    /// with a good value. Returns the refusal, what the last caller got, and whether all ran on one backend.
    /// </summary>
    static async Task<(Exception? Refused, Exception? Next, bool SameConnection)> RefuseThePreparingExecutionThenRunItAgain(NpgsqlDataSource dataSource)
    {
        var backends = new HashSet<int>();
        for (var i = 0; i < 4; i++)
            (await Run(dataSource, "fine", backends)).ShouldBeNull();
        var refused = await Run(dataSource, "bad\0value", backends);
        var next = await Run(dataSource, "innocent", backends);
        return (refused, next, backends.Count == 1);
    }

    static async Task<Exception?> Run(NpgsqlDataSource dataSource, string value, HashSet<int> backends)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        backends.Add(connection.ProcessID);
        try
        {
            await using var command = new NpgsqlCommand(Sql, connection) { Parameters = { new() { Value = value } } };
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                reader.GetString(0).ShouldBe(value);
            return null;
        }
        // Npgsql reports the protocol mix-up as a bare Exception ("Please file a bug"), not an NpgsqlException.
        catch (Exception e) when (e is not ShouldAssertException)
        {
            return e;
        }
    }
}
