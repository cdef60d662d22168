using System.Data;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;
using Billing.Infrastructure.Postgres;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// MassTransit's consumer outbox extension point, on Postgres.
/// Each pass of the outbox pipe runs in one read-committed transaction that first upserts and locks the
/// inbox row for (message, consumer):
/// <list type="number">
/// <item>not consumed: the consumer runs; its state changes, the inbox row and what it sent commit together;</item>
/// <item>consumed, not delivered: the stored messages go to the broker, then are deleted with the row marked delivered;</item>
/// <item>delivered: a duplicate; it is acknowledged without running the consumer.</item>
/// </list>
/// A process killed between 1 and 2 leaves the inbound message unacknowledged, so the broker redelivers it and
/// whichever worker receives it performs step 2.
/// </summary>
public sealed class PostgresOutboxContextFactory<TDbContext>(
    TDbContext dbContext,
    IServiceProvider provider,
    TimeProvider clock,
    OutboxTransaction unitOfWork,
    IEnumerable<IOutboxCommitObserver> observers)
    : IOutboxContextFactory<TDbContext>
    where TDbContext : DbContext
{
    const string LockInboxSql = """
        insert into messaging.inbox_state (message_id, consumer_id, received, receive_count)
        values (@message_id, @consumer_id, @now, 1)
        on conflict (message_id, consumer_id) do update set receive_count = inbox_state.receive_count + @increment
        returning received, receive_count, consumed, delivered, last_sequence_number
        """;

    public async Task Send<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        var messageId = context.GetOriginalMessageId() ?? throw new MessageException(typeof(T), "A MessageId is required to use the outbox");
        var progress = new OutboxDeliveryProgress();
        var firstPass = true;
        InboxState? inbox = null;

        while (true)
        {
            PostgresOutboxConsumeContext<T, TDbContext> outboxContext;

            if (inbox is { Delivered: not null } && progress.Removed)
            {
                // This process just delivered and removed everything; the closing pass has nothing to lock or write.
                outboxContext = new(context, options, provider, dbContext, inbox, progress, clock);
                await next.Send(outboxContext);
            }
            else
            {
                dbContext.ChangeTracker.Clear();

                // A failed statement fails the whole pass, which is retried from scratch: savepoints would only add round trips.
                dbContext.Database.AutoSavepointsEnabled = false;
                await using var transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, context.CancellationToken);
                unitOfWork.IsActive = true;

                inbox = await LockInbox(messageId, options.ConsumerId, firstPass, context.CancellationToken);
                dbContext.Attach(inbox);
                firstPass = false;

                var consumedBefore = inbox.Consumed.HasValue;
                outboxContext = new(context, options, provider, dbContext, inbox, progress, clock);
                await next.Send(outboxContext);

                await dbContext.SaveChangesAsync(context.CancellationToken);
                await transaction.CommitAsync(context.CancellationToken);
                unitOfWork.IsActive = false;

                if (!consumedBefore && inbox.Consumed.HasValue)
                {
                    foreach (var observer in observers)
                        observer.ConsumeCommitted(messageId, options.ConsumerId, progress.Produced?.Count ?? 0);
                }
            }

            if (!outboxContext.ContinueProcessing)
                return;
        }
    }

    async Task<InboxState> LockInbox(Guid messageId, Guid consumerId, bool firstPass, CancellationToken cancellationToken)
    {
        await using var command = dbContext.CreateCommand(LockInboxSql);
        command.Parameters.AddWithValue("message_id", messageId);
        command.Parameters.AddWithValue("consumer_id", consumerId);
        command.Parameters.AddWithValue("now", clock.GetUtcNow().UtcDateTime);
        command.Parameters.AddWithValue("increment", firstPass ? 1 : 0);

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new InboxState
        {
            MessageId = messageId,
            ConsumerId = consumerId,
            Received = reader.GetDateTime(0),
            ReceiveCount = reader.GetInt32(1),
            Consumed = reader.IsDBNull(2) ? null : reader.GetDateTime(2),
            Delivered = reader.IsDBNull(3) ? null : reader.GetDateTime(3),
            LastSequenceNumber = reader.IsDBNull(4) ? null : reader.GetInt64(4),
        };
    }

    public void Probe(ProbeContext context) => context.Add("provider", "postgres");
}
