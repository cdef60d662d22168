using System.Text.Json;
using Billing.Features.Access;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Features.Audit;

/// <summary>
/// One line of the audit trail: who did what to which entity, and the entity as it was before and as the action
/// leaves it (or asks it to be, for actions a saga carries out).
/// </summary>
public sealed record AuditEntry(Actor Actor, string Action, string EntityType, string EntityId, object? Before = null,
    object? After = null, string? Note = null);

/// <summary>
/// The append-only trail of support and admin actions in <c>audit.entry</c> (a trigger refuses updates and deletes).
/// An action records its entry once it is accepted; where the action itself is a write, pass its connection and
/// transaction so both commit or neither does.
/// </summary>
public sealed class AuditTrail(NpgsqlDataSource db)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task Record(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await Record(entry, connection, null, cancellationToken);
    }

    /// <summary>Many entries in one transaction (a bulk action writes one per entity).</summary>
    public async Task Record(IEnumerable<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var entry in entries)
            await Record(entry, connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task Record(AuditEntry entry, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            insert into audit.entry (actor, actor_kind, action, entity_type, entity_id, before, after, note)
            values ($1, $2, $3, $4, $5, $6, $7, $8)
            """, connection, transaction);
        command.Parameters.Add(new() { Value = Truncate(entry.Actor.Name, 100) });
        command.Parameters.Add(new() { Value = entry.Actor.Kind });
        command.Parameters.Add(new() { Value = entry.Action });
        command.Parameters.Add(new() { Value = entry.EntityType });
        command.Parameters.Add(new() { Value = Truncate(entry.EntityId, 200) });
        command.Parameters.Add(JsonParameter(entry.Before));
        command.Parameters.Add(JsonParameter(entry.After));
        command.Parameters.Add(new() { Value = (object?)Truncate(entry.Note, 1000) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    static NpgsqlParameter JsonParameter(object? value) => new()
    {
        Value = value is null ? DBNull.Value : JsonSerializer.Serialize(value, Json),
        NpgsqlDbType = NpgsqlDbType.Jsonb,
    };

    static string? Truncate(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;
}
