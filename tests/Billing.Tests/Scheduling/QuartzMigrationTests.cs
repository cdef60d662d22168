using Billing.Infrastructure.Postgres;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Tests.Scheduling;

public class QuartzMigrationTests
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
        await using var dataSource = await TestGround.CreateEmptyDatabase($"quartz_{Guid.NewGuid():N}"[..14]);

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
        await using var dataSource = await TestGround.CreateEmptyDatabase($"quartz_{Guid.NewGuid():N}"[..14]);
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

    static Task<List<string>> Shape(Npgsql.NpgsqlDataSource dataSource) => PostgresSchema.Shape(dataSource, "quartz");

    static Task<List<string>> Names(Npgsql.NpgsqlDataSource dataSource, string sql) => PostgresSchema.Lines(dataSource, sql);
}
