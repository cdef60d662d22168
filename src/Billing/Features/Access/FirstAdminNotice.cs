using Npgsql;

namespace Billing.Features.Access;

/// <summary>Says at the API's start, once, how to make the first login when there is none yet.</summary>
public sealed class FirstAdminNotice(NpgsqlDataSource db, ILogger<FirstAdminNotice> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var command = db.CreateCommand("select exists (select 1 from access.staff_user where disabled_at is null)");
            if (await command.ExecuteScalarAsync(stoppingToken) is false)
                logger.LogWarning("No one can log in to the dashboard yet: make the first admin with `Billing users add <name> --role admin`");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            // The readiness check reports the database; this notice is only a courtesy.
        }
    }
}
