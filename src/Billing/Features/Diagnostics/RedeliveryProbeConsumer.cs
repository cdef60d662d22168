using Billing.Contracts.Diagnostics;
using MassTransit;
using Npgsql;

namespace Billing.Features.Diagnostics;

/// <summary>
/// Fails the first <see cref="ProbeRedelivery.FailTimes"/> deliveries on purpose. Each attempt is recorded on
/// its own connection, outside the consumer's transaction, because a failed attempt's transaction rolls back.
/// </summary>
public class RedeliveryProbeConsumer(NpgsqlDataSource dataSource, TimeProvider clock) : IConsumer<ProbeRedelivery>
{
    public async Task Consume(ConsumeContext<ProbeRedelivery> context)
    {
        var redelivery = context.GetRedeliveryCount();
        await using (var command = dataSource.CreateCommand("""
            insert into diagnostics.probe_attempt (probe_id, redelivery_count, attempted_at) values ($1, $2, $3)
            on conflict do nothing
            """))
        {
            command.Parameters.AddWithValue(context.Message.ProbeId);
            command.Parameters.AddWithValue(redelivery);
            command.Parameters.AddWithValue(clock.GetUtcNow());
            await command.ExecuteNonQueryAsync(context.CancellationToken);
        }

        if (redelivery < context.Message.FailTimes)
            throw new ProbeFailureException($"Probe {context.Message.ProbeId} fails on purpose (delivery {redelivery + 1} of {context.Message.FailTimes} failing)");
    }
}

public class ProbeFailureException(string message) : Exception(message);
