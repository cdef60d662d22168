using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Infrastructure.Postgres;

/// <summary>
/// Applies the SQL files in migrations/ in name order, each once, each in its own transaction.
/// An advisory lock lets several instances start at once: one migrates, the others wait and find nothing to do.
/// A line <c>--! include NAME</c> in a migration stands for a script a library ships inside its assembly (see <see cref="Includes"/>).
/// Then Hangfire's schema is created or upgraded by its own installer (<see cref="HangfireSchema"/>).
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Any constant works; it only has to be the same for every instance of this service.
    const long AdvisoryLockKey = 0x42_696c6c696e67;

    // Scripts a library ships inside its assembly. Including them rather than copying them into migrations/ keeps the
    // tables exactly those the library version we run expects. Each must be safe to run twice, like every migration.
    static readonly Dictionary<string, Func<string>> Includes = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<string>> ApplyAsync(string directory, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The migrations folder '{directory}' does not exist.");

        var files = Directory.GetFiles(directory, "*.sql").OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
        var applied = new List<string>();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, $"select pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await Execute(connection, """
                create table if not exists public.schema_migrations (
                    version    text        primary key,
                    applied_at timestamptz not null default now()
                )
                """, cancellationToken);

            var done = await AppliedVersions(connection, cancellationToken);
            foreach (var file in files)
            {
                var version = Path.GetFileNameWithoutExtension(file);
                if (done.Contains(version))
                    continue;

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await Execute(connection, ExpandIncludes(await File.ReadAllTextAsync(file, cancellationToken), version), cancellationToken);
                await using (var record = new NpgsqlCommand("insert into public.schema_migrations (version) values ($1)", connection))
                {
                    record.Parameters.AddWithValue(version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version}", version);
                applied.Add(version);
            }

            // Hangfire's schema, by Hangfire.PostgreSql's installer, which applies only the scripts it has not yet.
            HangfireSchema.Install(connection);
        }
        finally
        {
            await Execute(connection, $"select pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }

        return applied;
    }

    /// <summary>Finds migrations/ beside the binary (copied at build) or, from a source checkout, above it.</summary>
    public static string FindMigrationsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "migrations");
            if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "*.sql").Any())
                return candidate;
        }

        throw new DirectoryNotFoundException($"No migrations folder with .sql files was found above {AppContext.BaseDirectory}.");
    }

    static string ExpandIncludes(string sql, string version) =>
        IncludeLine().Replace(sql, line => Includes.TryGetValue(line.Groups["name"].Value, out var script)
            ? script()
            : throw new InvalidOperationException($"Migration {version} includes '{line.Groups["name"].Value}', which the migrator does not know."));

    [GeneratedRegex(@"^--! include (?<name>\S+)[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex IncludeLine();

    static async Task<HashSet<string>> AppliedVersions(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var versions = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("select version from public.schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            versions.Add(reader.GetString(0));
        return versions;
    }

    static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
