using Billing.Infrastructure.Postgres;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Billing.Tests.Scheduling;

[Collection(StackCollection.Name)]
public class QuartzMigrationTests(StackFixture stack)
{
    // The tables Quartz's job store reads and writes; Quartz itself checks them (and their columns) when it starts.
    static readonly string[] CoreTables =
    [
        "qrtz_blob_triggers", "qrtz_calendars", "qrtz_cron_triggers", "qrtz_fired_triggers", "qrtz_job_details", "qrtz_locks",
        "qrtz_paused_trigger_grps", "qrtz_scheduler_state", "qrtz_simple_triggers", "qrtz_simprop_triggers", "qrtz_triggers",
    ];

    [Fact]
    public async Task The_quartz_migration_creates_the_job_store_tables_in_the_quartz_schema()
    {
        await using var dataSource = await stack.CreateEmptyDatabase($"{StackFixture.Database}_quartz");

        var applied = await new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(Migrator.FindMigrationsDirectory());

        applied.ShouldContain("0003_quartz");
        var tables = await Names(dataSource, "select table_name from information_schema.tables where table_schema = 'quartz'");
        tables.ShouldAllBe(t => t.StartsWith("qrtz_"), "every table carries the prefix");
        CoreTables.ShouldBeSubsetOf(tables);
        (await Names(dataSource, "select indexname from pg_indexes where schemaname = 'quartz' and indexname like 'idx_qrtz_%'"))
            .ShouldNotBeEmpty("Quartz's indexes are created beside its tables");
        (await Names(dataSource, "select table_name from information_schema.tables where table_name like 'qrtz%' and table_schema <> 'quartz'"))
            .ShouldBeEmpty("nothing lands outside the quartz schema");
    }

    [Fact]
    public async Task Running_the_quartz_migration_again_changes_nothing()
    {
        await using var dataSource = await stack.CreateEmptyDatabase($"{StackFixture.Database}_quartz");
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);
        await migrator.ApplyAsync(Migrator.FindMigrationsDirectory());
        await using (var row = dataSource.CreateCommand("insert into quartz.qrtz_locks (sched_name, lock_name) values ('Billing', 'TRIGGER_ACCESS')"))
            await row.ExecuteNonQueryAsync();
        var before = await Shape(dataSource);

        (await migrator.ApplyAsync(Migrator.FindMigrationsDirectory())).ShouldBeEmpty();
        // Forget that it ran, so the script itself runs a second time over the existing tables.
        await using (var forget = dataSource.CreateCommand("delete from public.schema_migrations where version = '0003_quartz'"))
            await forget.ExecuteNonQueryAsync();
        (await migrator.ApplyAsync(Migrator.FindMigrationsDirectory())).ShouldBe(["0003_quartz"]);

        (await Shape(dataSource)).ShouldBe(before);
        await using var count = dataSource.CreateCommand("select count(*) from quartz.qrtz_locks");
        ((long)(await count.ExecuteScalarAsync())!).ShouldBe(1, "rows survive: the script drops nothing");
    }

    /// <summary>Every column and index of the quartz schema, as text, to compare before and after.</summary>
    static async Task<List<string>> Shape(NpgsqlDataSource dataSource) =>
    [
        .. await Names(dataSource, """
            select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
            from information_schema.columns where table_schema = 'quartz' order by 1
            """),
        .. await Names(dataSource, "select indexdef from pg_indexes where schemaname = 'quartz' order by 1"),
    ];

    static async Task<List<string>> Names(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
            names.Add(reader.GetString(0));
        return names;
    }
}
