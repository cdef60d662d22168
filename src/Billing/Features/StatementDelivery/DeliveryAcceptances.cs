using Billing.Features.Notifications;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// What a provider accepted, committed at once on a connection of its own (<c>billing.delivery_accepted</c>), so an
/// attempt that dies or rolls back after the provider said yes is not sent again by the next one: it finds the
/// acceptance and records the delivery as sent without calling out.
/// </summary>
public sealed class DeliveryAcceptances(NpgsqlDataSource dataSource)
{
    public async Task<SendResult?> Find(Guid statementId, string channel, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select provider_message_id from billing.delivery_accepted where statement_id = $1 and channel = $2");
        command.Parameters.AddPositional(statementId, channel);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SendResult.Sent(reader.IsDBNull(0) ? "" : reader.GetString(0)) : null;
    }

    public async Task Record(Guid statementId, string channel, string? providerMessageId)
    {
        await using var command = dataSource.CreateCommand("""
            insert into billing.delivery_accepted (statement_id, channel, provider_message_id) values ($1, $2, $3)
            on conflict do nothing
            """);
        command.Parameters.AddPositional(statementId, channel, (object?)providerMessageId ?? DBNull.Value);
        // Not the consumer's token: once the provider has accepted, recording it must not be cancelled half way.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
