using Billing.Infrastructure.Messaging.Outbox;
using Billing.Infrastructure.Persistence;
using Billing.Tests.Support;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Messaging;

public class InboxCleanupTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Inbox_rows_delivered_longer_ago_than_the_window_are_removed_and_recent_ones_kept()
    {
        var old = NewId.NextGuid();
        var recent = NewId.NextGuid();
        var undelivered = NewId.NextGuid();
        await Insert(old, delivered: DateTime.UtcNow.AddHours(-2));
        await Insert(recent, delivered: DateTime.UtcNow.AddMinutes(-1));
        await Insert(undelivered, delivered: null);

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("ConnectionStrings:Billing", stack.ConnectionString)])
            .Build();
        await using var services = new ServiceCollection().AddBillingPersistence(configuration).BuildServiceProvider();
        var cleanup = new InboxCleanupService<BillingDbContext>(services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new InboxOptions { DuplicateDetectionWindow = TimeSpan.FromMinutes(30) }), TimeProvider.System,
            NullLogger<InboxCleanupService<BillingDbContext>>.Instance);

        (await cleanup.RemoveExpired(CancellationToken.None)).ShouldBe(1, "the class's own ground holds only these three rows");

        (await Exists(old)).ShouldBeFalse();
        (await Exists(recent)).ShouldBeTrue("a recent row still guards against a late duplicate");
        (await Exists(undelivered)).ShouldBeTrue("an undelivered row still owns outgoing messages");

        // Leave the class's ground as it was found.
        await using var tidy = stack.DataSource.CreateCommand("delete from messaging.inbox_state where message_id = any($1)");
        tidy.Parameters.AddWithValue(new[] { old, recent, undelivered });
        await tidy.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Schedule_tombstones_older_than_the_window_are_removed_and_recent_ones_kept()
    {
        // Catches tombstones never removed (the table grows by a row per scheduled message) or removed too early (a
        // duplicate ScheduleMessage inside the window fires again; broken once as `at < now()`: both were removed).
        var old = NewId.NextGuid();
        var recent = NewId.NextGuid();
        await using (var insert = stack.DataSource.CreateCommand("""
            insert into messaging.schedule_tombstone (token_id, reason, at)
            values ($1, 'fired', now() - interval '31 minutes'), ($2, 'cancelled', now() - interval '29 minutes')
            """))
        {
            insert.Parameters.AddWithValue(old);
            insert.Parameters.AddWithValue(recent);
            await insert.ExecuteNonQueryAsync();
        }

        await using var services = Services();
        (await Cleanup(services).RemoveExpiredTombstones(CancellationToken.None)).ShouldBe(1);

        (await stack.Count("select count(*) from messaging.schedule_tombstone where token_id = $1", old)).ShouldBe(0);
        (await stack.Count("select count(*) from messaging.schedule_tombstone where token_id = $1", recent)).ShouldBe(1);
    }

    ServiceProvider Services() => new ServiceCollection()
        .AddBillingPersistence(new ConfigurationBuilder()
            .AddInMemoryCollection([new("ConnectionStrings:Billing", stack.ConnectionString)])
            .Build())
        .BuildServiceProvider();

    static InboxCleanupService<BillingDbContext> Cleanup(ServiceProvider services) =>
        new(services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new InboxOptions { DuplicateDetectionWindow = TimeSpan.FromMinutes(30) }), TimeProvider.System,
            NullLogger<InboxCleanupService<BillingDbContext>>.Instance);

    async Task Insert(Guid messageId, DateTime? delivered)
    {
        await using var command = stack.DataSource.CreateCommand("""
            insert into messaging.inbox_state (message_id, consumer_id, received, receive_count, consumed, delivered)
            values ($1, $2, $3, 1, $3, $4)
            """);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(Guid.Empty);
        command.Parameters.AddWithValue(DateTime.UtcNow.AddHours(-3));
        command.Parameters.AddWithValue((object?)delivered ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    async Task<bool> Exists(Guid messageId)
    {
        await using var command = stack.DataSource.CreateCommand("select count(*) from messaging.inbox_state where message_id = $1");
        command.Parameters.AddWithValue(messageId);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
