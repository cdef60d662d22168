using System.Diagnostics;
using System.Text.RegularExpressions;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Tests.Access;

/// <summary>Logins, keys and the audit trail on real Postgres, below the web: what each stores and refuses.</summary>
public sealed class AccessStoreTests
{
    sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_an_account_even_against_the_right_one_until_the_lockout_ends()
    {
        await using var ground = await TestGround.Create();
        var clock = new Clock(DateTimeOffset.Parse("2026-12-02T09:00:00Z"));
        var users = new StaffUsers(ground.DataSource, Options.Create(new AccessOptions()), clock);
        await users.Save("alice", "Alice", "correct horse battery", [Roles.Support], "tests", CancellationToken.None);

        (await users.SignIn("alice", "correct horse battery", CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.SignedIn);
        for (var i = 0; i < 4; i++)
            (await users.SignIn("alice", "wrong", CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.WrongCredentials);
        var fifth = await users.SignIn("alice", "wrong", CancellationToken.None);
        fifth.Outcome.ShouldBe(SignInOutcome.LockedOut);
        fifth.LockedUntil.ShouldBe(clock.Now.AddMinutes(15));
        (await users.SignIn("alice", "correct horse battery", CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.LockedOut);

        clock.Now = clock.Now.AddMinutes(16);
        (await users.SignIn("ALICE ", "correct horse battery", CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.SignedIn);
        (await users.SignIn("nobody", "correct horse battery", CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.WrongCredentials);

        var stored = await Scalar(ground, "select password_hash from access.staff_user where username = 'alice'");
        stored.ShouldNotContain("correct horse");
        stored.Length.ShouldBeGreaterThan(40, "an Identity PBKDF2 hash, not the password");
    }

    [Fact]
    public async Task A_key_is_kept_only_as_its_hash_carries_its_roles_and_stops_working_when_revoked()
    {
        await using var ground = await TestGround.Create();
        var keys = new ApiKeys(ground.DataSource, TimeProvider.System);
        var key = await keys.Create("payments-gateway", [Roles.Intake], "tests", CancellationToken.None);

        key.ShouldMatch("^bk_[0-9a-f]{64}$");
        var holder = (await keys.Find(key, CancellationToken.None)).ShouldNotBeNull();
        holder.Name.ShouldBe("payments-gateway");
        holder.Roles.ShouldBe([Roles.Intake]);
        (await Scalar(ground, "select count(*) from access.api_key where position($1 in encode(key_hash, 'escape')) > 0 or name = $1", key)).ShouldBe("0");
        (await keys.Find(key[..^1] + (key[^1] == '0' ? '1' : '0'), CancellationToken.None)).ShouldBeNull();

        (await keys.Revoke("payments-gateway", CancellationToken.None)).ShouldBeTrue();
        (await keys.Find(key, CancellationToken.None)).ShouldBeNull();
        (await keys.Revoke("payments-gateway", CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task The_audit_trail_takes_entries_and_refuses_to_change_or_remove_them()
    {
        await using var ground = await TestGround.Create();
        var audit = new AuditTrail(ground.DataSource);
        await audit.Record(new AuditEntry(new Actor("alice", Actor.UserKind), "refund.retry", "refund", "r-1", new { status = "failed" },
            new { status = "retry_requested" }), CancellationToken.None);

        (await Scalar(ground, "select actor || '|' || action || '|' || (before->>'status') || '|' || (after->>'status') from audit.entry"))
            .ShouldBe("alice|refund.retry|failed|retry_requested");
        (await Should.ThrowAsync<PostgresException>(() => Scalar(ground, "update audit.entry set actor = 'mallory'")))
            .MessageText.ShouldBe("audit entries are append-only");
        (await Should.ThrowAsync<PostgresException>(() => Scalar(ground, "delete from audit.entry")))
            .MessageText.ShouldBe("audit entries are append-only");
        (await Scalar(ground, "select actor from audit.entry")).ShouldBe("alice");
    }

    [Fact]
    public async Task Users_add_makes_a_login_with_a_generated_password_shown_once_and_refuses_an_unknown_role()
    {
        await using var ground = await TestGround.Create();

        var (code, output) = await Cli(ground, "users", "add", "ops-lead", "--role", "admin", "--role", "support");
        code.ShouldBe(0, output);
        var password = Regex.Match(output, @"Password \(shown once\): (\S+)").Groups[1].Value;
        password.Length.ShouldBe(18, output);
        var users = new StaffUsers(ground.DataSource, Options.Create(new AccessOptions()), TimeProvider.System);
        var signedIn = await users.SignIn("ops-lead", password, CancellationToken.None);
        signedIn.Outcome.ShouldBe(SignInOutcome.SignedIn);
        signedIn.User!.Roles.ShouldBe([Roles.Admin, Roles.Support]);
        (await Scalar(ground, "select action || ' ' || entity_id || ' by ' || actor_kind from audit.entry")).ShouldBe("user.add ops-lead by system");

        var (refused, message) = await Cli(ground, "users", "add", "eve", "--role", "root");
        refused.ShouldBe(2);
        message.ShouldContain("root is not a role here");
        (await Scalar(ground, "select count(*) from access.staff_user")).ShouldBe("1");

        var (keyCode, keyOutput) = await Cli(ground, "keys", "add", "gateway", "--role", "intake");
        keyCode.ShouldBe(0, keyOutput);
        var key = Regex.Match(keyOutput, "bk_[0-9a-f]{64}").Value;
        (await new ApiKeys(ground.DataSource, TimeProvider.System).Find(key, CancellationToken.None)).ShouldNotBeNull();
    }

    /// <summary>The service's CLI as a real process on the ground's database.</summary>
    internal static async Task<(int Code, string Output)> Cli(TestGround ground, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.dll"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var (key, value) in ground.ServiceSettings)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    static async Task<string> Scalar(TestGround ground, string sql, params object[] parameters)
    {
        await using var command = ground.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToString(await command.ExecuteScalarAsync()) ?? "";
    }
}
