using Billing.Infrastructure.Messaging.Outbox;
using Billing.Infrastructure.Messaging.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Messaging;

/// <summary>Maps the inbox, outbox and scheduler tables (created by migrations/0001_messaging.sql).</summary>
public static class MessagingModel
{
    public const string Schema = "messaging";

    public static ModelBuilder AddPostgresMessaging(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<InboxState>(e =>
        {
            e.ToTable("inbox_state", Schema);
            e.HasKey(x => new { x.MessageId, x.ConsumerId });
        });

        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("outbox_message", Schema);
            e.HasKey(x => x.SequenceNumber);
            e.Property(x => x.SequenceNumber).UseIdentityAlwaysColumn();
        });

        modelBuilder.Entity<ScheduledMessage>(e =>
        {
            e.ToTable("scheduled_message", Schema);
            e.HasKey(x => x.TokenId);
            e.Ignore(x => x.SequenceNumber);
        });

        return modelBuilder;
    }
}
