using Billing.Infrastructure.Postgres;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Tests.Postgres;

[Collection(StackCollection.Name)]
public class MigratorTests(StackFixture stack)
{
    [Fact]
    public async Task Applying_the_migrations_again_changes_nothing()
    {
        var migrator = new Migrator(stack.DataSource, NullLogger<Migrator>.Instance);

        var applied = await migrator.ApplyAsync(Migrator.FindMigrationsDirectory());

        applied.ShouldBeEmpty();
        await using var command = stack.DataSource.CreateCommand("select count(*) from public.schema_migrations");
        var recorded = (long)(await command.ExecuteScalarAsync())!;
        recorded.ShouldBe(Directory.GetFiles(Migrator.FindMigrationsDirectory(), "*.sql").Length);
    }

    [Fact]
    public async Task Several_instances_migrating_an_empty_database_at_once_apply_each_migration_once()
    {
        await using var dataSource = await stack.CreateEmptyDatabase($"{StackFixture.Database}_migrate");
        var migrations = Migrator.FindMigrationsDirectory();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(migrations)));

        var expected = Directory.GetFiles(migrations, "*.sql").Select(Path.GetFileNameWithoutExtension).Order().ToList();
        runs.SelectMany(r => r).Order().ShouldBe(expected);
    }
}
