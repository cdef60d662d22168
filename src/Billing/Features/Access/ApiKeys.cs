using System.Security.Cryptography;
using System.Text;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.Access;

public sealed record ApiKeyHolder(Guid KeyId, string Name, IReadOnlyList<string> Roles);

/// <summary>
/// Keys for machine callers, in <c>access.api_key</c>: <c>bk_</c> and 32 random bytes, shown once when made and kept
/// only as their SHA-256. A key carries the roles it was made with; a revoked key stops working at once.
/// </summary>
public sealed class ApiKeys(NpgsqlDataSource db, TimeProvider clock)
{
    public const string Header = "X-Api-Key";
    const string Prefix = "bk_";

    /// <summary>So that <c>key:{name}</c> fits the 100 characters a requester has everywhere it is recorded.</summary>
    public const int MaxNameLength = 96;

    /// <summary>Makes a key and returns it; this is the only time it is seen.</summary>
    public async Task<string> Create(string name, IReadOnlyList<string> roles, string createdBy, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(name.Length, MaxNameLength, nameof(name));
        var key = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var command = db.CreateCommand("""
            insert into access.api_key (key_id, name, key_hash, roles, created_by) values ($1, $2, $3, $4, $5)
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = roles.ToArray() });
        command.Parameters.Add(new() { Value = createdBy });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    /// <summary>Revokes the key with this name; false when there is none still in use.</summary>
    public async Task<bool> Revoke(string name, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("update access.api_key set revoked_at = $2 where name = $1 and revoked_at is null");
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The holder of a key in use, or null for an unknown, malformed or revoked one.</summary>
    public async Task<ApiKeyHolder?> Find(string key, CancellationToken cancellationToken)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length != Prefix.Length + 64)
            return null;
        // Every API request starts here, so a Postgres restart's dead pooled connections would fail the first requests after it.
        return await TransientRetry.Read(db, () => Lookup(key, cancellationToken), cancellationToken);
    }

    async Task<ApiKeyHolder?> Lookup(string key, CancellationToken cancellationToken)
    {
        // last_used_at is written at most once a minute per key, so a busy caller does not turn every read into a write.
        await using var command = db.CreateCommand("""
            with found as (
                select key_id, name, roles, last_used_at from access.api_key where key_hash = $1 and revoked_at is null
            ), touched as (
                update access.api_key k set last_used_at = $2 from found
                where k.key_id = found.key_id and (found.last_used_at is null or found.last_used_at < $2 - interval '1 minute')
            )
            select key_id, name, roles from found
            """);
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ApiKeyHolder(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2))
            : null;
    }

    static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
