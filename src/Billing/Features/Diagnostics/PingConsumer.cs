using Billing.Contracts.Diagnostics;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Diagnostics;

/// <summary>Records when a (usually scheduled) ping arrived, counting its effects like the tally receipt.</summary>
public class PingConsumer(BillingDbContext dbContext, TimeProvider clock) : IConsumer<Ping>
{
    public Task Consume(ConsumeContext<Ping> context) =>
        dbContext.Database.ExecuteSqlAsync($"""
            insert into diagnostics.ping_receipt (ping_id, scheduled_for, received_at, effects)
            values ({context.Message.PingId}, {context.Message.ScheduledFor}, {clock.GetUtcNow()}, 1)
            on conflict (ping_id) do update set effects = ping_receipt.effects + 1
            """, context.CancellationToken);
}
