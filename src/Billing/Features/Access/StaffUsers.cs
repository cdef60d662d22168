using Billing.Infrastructure.Postgres;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.Access;

public sealed record StaffUser(string Username, string DisplayName, string PasswordHash, IReadOnlyList<string> Roles,
    int FailedLogins, DateTimeOffset? LockedUntil, DateTimeOffset? DisabledAt);

public enum SignInOutcome { SignedIn, WrongCredentials, LockedOut }

public sealed record SignInResult(SignInOutcome Outcome, StaffUser? User, DateTimeOffset? LockedUntil = null);

/// <summary>
/// People who log in to the dashboard, in <c>access.staff_user</c>. Passwords are hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, rehashed when Identity's defaults move on); after
/// <see cref="AccessOptions.MaxFailedLogins"/> wrong passwords in a row the account is locked for
/// <see cref="AccessOptions.Lockout"/>. A wrong username and a wrong password answer alike.
/// </summary>
public sealed class StaffUsers(NpgsqlDataSource db, IOptions<AccessOptions> options, TimeProvider clock)
{
    static readonly PasswordHasher<StaffUser> Hasher = new();

    /// <summary>Adds a user, or replaces the password and roles of one with that name. Returns false when it replaced one.</summary>
    public async Task<bool> Save(string username, string displayName, string password, IReadOnlyList<string> roles, string createdBy,
        CancellationToken cancellationToken)
    {
        var hash = Hasher.HashPassword(null!, password);
        await using var command = db.CreateCommand("""
            insert into access.staff_user (username, display_name, password_hash, roles, created_by)
            values ($1, $2, $3, $4, $5)
            on conflict (username) do update set display_name = excluded.display_name, password_hash = excluded.password_hash,
                roles = excluded.roles, failed_logins = 0, locked_until = null, disabled_at = null
            returning xmax = 0
            """);
        command.Parameters.Add(new() { Value = username });
        command.Parameters.Add(new() { Value = displayName });
        command.Parameters.Add(new() { Value = hash });
        command.Parameters.Add(new() { Value = roles.ToArray() });
        command.Parameters.Add(new() { Value = createdBy });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Gives a user new roles; their open sessions carry them from their next request. False if no such user.</summary>
    public Task<bool> SetRoles(string username, IReadOnlyList<string> roles, CancellationToken cancellationToken) =>
        Changed("update access.staff_user set roles = $2 where username = $1", cancellationToken, username, roles.ToArray());

    /// <summary>Stops a user logging in and ends their open sessions; <see cref="Save"/> enables them again. False if no such user.</summary>
    public Task<bool> Disable(string username, CancellationToken cancellationToken) =>
        Changed("update access.staff_user set disabled_at = coalesce(disabled_at, now()) where username = $1", cancellationToken, username);

    async Task<bool> Changed(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddPositional(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<StaffUser?> Find(string username, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            select username, display_name, password_hash, roles, failed_logins, locked_until, disabled_at
            from access.staff_user where username = $1
            """);
        command.Parameters.Add(new() { Value = username });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new StaffUser(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3),
            reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
    }

    public async Task<SignInResult> SignIn(string username, string password, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var user = await Find(username.Trim().ToLowerInvariant(), cancellationToken);
        if (user is null || user.DisabledAt is not null)
        {
            // Spend the same effort as a real check, so timing does not tell which usernames exist.
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return new SignInResult(SignInOutcome.WrongCredentials, null);
        }
        if (user.LockedUntil > now)
            return new SignInResult(SignInOutcome.LockedOut, user, user.LockedUntil);

        var verdict = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var lockedUntil = await RecordFailure(user.Username, now, cancellationToken);
            return lockedUntil is null
                ? new SignInResult(SignInOutcome.WrongCredentials, user)
                : new SignInResult(SignInOutcome.LockedOut, user, lockedUntil);
        }

        var rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user, password) : null;
        await using var command = db.CreateCommand("""
            update access.staff_user set failed_logins = 0, locked_until = null, last_login_at = $2,
                password_hash = coalesce($3, password_hash)
            where username = $1
            """);
        command.Parameters.Add(new() { Value = user.Username });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = (object?)rehash ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new SignInResult(SignInOutcome.SignedIn, user);
    }

    /// <summary>Counts one more wrong password; returns the lock's end when this one locks the account.</summary>
    async Task<DateTimeOffset?> RecordFailure(string username, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lockout = options.Value;
        var lockedUntil = now + lockout.Lockout;
        await using var command = db.CreateCommand("""
            update access.staff_user
            set failed_logins = case when failed_logins + 1 >= $2 then 0 else failed_logins + 1 end,
                locked_until = case when failed_logins + 1 >= $2 then $3 else locked_until end
            where username = $1
            returning locked_until is not distinct from $3
            """);
        command.Parameters.Add(new() { Value = username });
        command.Parameters.Add(new() { Value = lockout.MaxFailedLogins });
        command.Parameters.Add(new() { Value = lockedUntil });
        return await command.ExecuteScalarAsync(cancellationToken) is true ? lockedUntil : null;
    }

    static readonly string DummyHash = Hasher.HashPassword(null!, Guid.NewGuid().ToString());
}
