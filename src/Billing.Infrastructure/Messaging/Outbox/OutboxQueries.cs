using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Messaging.Outbox;

static class OutboxQueries
{
    /// <summary>The outgoing messages one consumed message produced (its inbox row owns them).</summary>
    public static IQueryable<OutboxMessage> OutboxMessagesOf(this DbContext dbContext, InboxState inbox) =>
        dbContext.Set<OutboxMessage>().Where(x => x.InboxMessageId == inbox.MessageId && x.InboxConsumerId == inbox.ConsumerId);

    /// <summary>Those not sent yet, in the order they were produced.</summary>
    public static IQueryable<OutboxMessage> UnsentOutboxMessagesOf(this DbContext dbContext, InboxState inbox)
    {
        var after = inbox.LastSequenceNumber ?? 0;
        return dbContext.OutboxMessagesOf(inbox).AsNoTracking().Where(x => x.SequenceNumber > after).OrderBy(x => x.SequenceNumber);
    }
}
