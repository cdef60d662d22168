using MassTransit;
using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// MassTransit's consumer outbox extension point, on Postgres. A message is consumed in one read-committed
/// <see cref="ConsumeTransaction"/>: the consumer's state, its inbox row (the duplicate detector) and what it published
/// commit together, and the inbound message is acknowledged right after that commit. Sending what it published is the
/// <see cref="OutboxDeliveryService{TDbContext}"/>'s job, woken by the commit; so a crash after the commit loses nothing
/// and delays nothing but those sends, and a duplicate that arrives later finds the inbox row and is only acknowledged.
/// <para>
/// For a saga, a first delivery is nearly always new, so its inbox row is not read first: it is inserted with the
/// commit, and a duplicate key there means another copy was consumed first (a resend by the outbox, or a concurrent
/// duplicate). That attempt is rolled back, unseen, and the message is taken again the careful way: the row upserted and
/// locked first. That is only safe because every effect of a saga is in the transaction; any other consumer (it may send
/// an e-mail or call a provider) and a message the broker flags as redelivered go the careful way at once, so a
/// duplicate never runs them.
/// </para>
/// </summary>
public sealed class PostgresOutboxContextFactory<TDbContext>(
    TDbContext dbContext,
    IServiceProvider provider,
    ConsumeTransaction transaction,
    OutboxDeliverySignal delivery,
    IOptions<OutboxDeliveryOptions> deliveryOptions,
    IEnumerable<Sagas.PostgresSagaType> sagas,
    IEnumerable<IOutboxCommitObserver> observers,
    Grouping.ConsumeGroupSlot group)
    : IOutboxContextFactory<TDbContext>
    where TDbContext : DbContext
{
    const string LockInboxSql = """
        insert into messaging.inbox_state (message_id, consumer_id, received, receive_count)
        values ($1, $2, now(), 1)
        on conflict (message_id, consumer_id) do update set receive_count = inbox_state.receive_count + 1
        returning receive_count, consumed
        """;

    public async Task Send<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        var messageId = context.GetOriginalMessageId() ?? throw new MessageException(typeof(T), "A MessageId is required to use the outbox");
        var assumeNew = !context.ReceiveContext.Redelivered && sagas.Any(s => s.ShortName == options.ConsumerType);
        if (group.InGroup)
        {
            await SendInGroup(context, options, next, messageId, assumeNew);
            return;
        }

        while (true)
        {
            PostgresOutboxConsumeContext<T> outboxContext;
            await transaction.Begin(dbContext, context.CancellationToken);
            try
            {
                var inbox = assumeNew
                    ? new InboxState { MessageId = messageId, ConsumerId = options.ConsumerId, ReceiveCount = 1 }
                    : await LockInbox(messageId, options.ConsumerId, context.CancellationToken);
                outboxContext = new PostgresOutboxConsumeContext<T>(context, options, provider, inbox, rowExists: !assumeNew,
                    deliveryOptions.Value.NotifyOtherProcesses, transaction);

                await next.Send(outboxContext);
                await transaction.Commit(context.CancellationToken);
            }
            catch (Exception exception) when (assumeNew && IsInboxDuplicate(exception))
            {
                assumeNew = false;
                continue;
            }
            finally
            {
                await transaction.End();
            }

            if (outboxContext.ConsumedHere)
                Committed(messageId, options, outboxContext.ProducedCount);

            // The closing pass (consumed and handed to delivery: acknowledge) reads and writes nothing.
            if (outboxContext.ContinueProcessing)
                await next.Send(outboxContext);
            return;
        }
    }

    // A member of a consume group: the group opened the transaction and commits it after its last member; a failure here
    // spoils the group, and the message is consumed again alone.
    async Task SendInGroup<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next,
        Guid messageId, bool assumeNew)
        where T : class
    {
        var inbox = assumeNew
            ? new InboxState { MessageId = messageId, ConsumerId = options.ConsumerId, ReceiveCount = 1 }
            : await LockInbox(messageId, options.ConsumerId, context.CancellationToken);
        var outboxContext = new PostgresOutboxConsumeContext<T>(context, options, provider, inbox, rowExists: !assumeNew,
            deliveryOptions.Value.NotifyOtherProcesses, transaction);

        await next.Send(outboxContext);
        if (outboxContext.ConsumedHere)
        {
            var produced = outboxContext.ProducedCount;
            group.AfterCommit(() => Committed(messageId, options, produced));
        }

        if (outboxContext.ContinueProcessing)
            await next.Send(outboxContext);
    }

    void Committed(Guid messageId, OutboxConsumeOptions options, int produced)
    {
        foreach (var observer in observers)
            observer.ConsumeCommitted(messageId, options.ConsumerId, produced);
        if (produced > 0)
            delivery.Wake();
    }

    async Task<InboxState> LockInbox(Guid messageId, Guid consumerId, CancellationToken cancellationToken)
    {
        await using var command = transaction.Command(LockInboxSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = messageId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = consumerId });

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new InboxState
        {
            MessageId = messageId,
            ConsumerId = consumerId,
            ReceiveCount = reader.GetInt32(0),
            Consumed = reader.IsDBNull(1) ? null : reader.GetDateTime(1),
        };
    }

    static bool IsInboxDuplicate(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: Postgres.PostgresErrors.UniqueViolation, ConstraintName: "inbox_state_pkey" })
                return true;
        }

        return false;
    }

    public void Probe(ProbeContext context) => context.Add("provider", "postgres");
}
