using Billing.Infrastructure.Postgres;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Tests.Postgres;

public class MigratorTests(StackFixture stack) : IClassFixture<StackFixture>
{
    static readonly string[] Schemas = ["public", "messaging", "refunds", "diagnostics", "hangfire"];

    [Fact]
    public async Task Applying_the_migrations_again_changes_neither_the_schema_nor_its_bookkeeping()
    {
        var migrator = new Migrator(stack.DataSource, NullLogger<Migrator>.Instance);
        var before = await PostgresSchema.Shape(stack.DataSource, Schemas);
        var recordedBefore = await PostgresSchema.Lines(stack.DataSource, "select version from public.schema_migrations order by 1");

        var applied = await migrator.ApplyAsync(Migrator.FindMigrationsDirectory());

        applied.ShouldBeEmpty();
        (await PostgresSchema.Shape(stack.DataSource, Schemas)).ShouldBe(before);
        var expected = Directory.GetFiles(Migrator.FindMigrationsDirectory(), "*.sql").Select(Path.GetFileNameWithoutExtension).Order().ToList();
        recordedBefore.ShouldBe(expected!);
        (await PostgresSchema.Lines(stack.DataSource, "select version from public.schema_migrations order by 1")).ShouldBe(expected!);
    }

    [Fact]
    public async Task Several_instances_migrating_an_empty_database_at_once_apply_each_migration_once()
    {
        await using var dataSource = await TestGround.CreateEmptyDatabase("migrate");
        var migrations = Migrator.FindMigrationsDirectory();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(migrations)));

        var expected = Directory.GetFiles(migrations, "*.sql").Select(Path.GetFileNameWithoutExtension).Order().ToList();
        runs.SelectMany(r => r).Order().ShouldBe(expected);
        (await PostgresSchema.Shape(dataSource, Schemas)).ShouldBe(await PostgresSchema.Shape(stack.DataSource, Schemas),
            "four racing instances build the same schema as one");
    }

    [Fact]
    public async Task The_migrate_step_creates_hangfires_schema_and_leaves_no_quartz_tables()
    {
        (await stack.Count("select count(*) from information_schema.schemata where schema_name = 'quartz'")).ShouldBe(0);
        (await stack.Count("select count(*) from information_schema.tables where table_schema = 'hangfire' and table_name in ('job', 'server', 'set', 'lock')"))
            .ShouldBe(4);
    }
}
