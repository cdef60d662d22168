using Billing.Features.Access;
using Billing.Features.Audit;
using Npgsql;

namespace Billing.Features.Accounts;

/// <summary>
/// How the holder is reached: the body of <c>PUT /accounts/{id}/contact</c> and of the account page's contact form. The
/// whole contact is sent each time (an empty e-mail or phone removes it); every consent must be stated, so a form that
/// lost a field does not silently withdraw one.
/// </summary>
public sealed record ContactInput(string? Email, string? Phone, bool? EmailOptIn, bool? SmsOptIn, bool? WhatsAppOptIn);

public sealed record HolderContact(string AccountId, string? Email, string? Phone, bool EmailOptIn, bool SmsOptIn, bool WhatsAppOptIn)
{
    /// <summary>
    /// Whether billing's validation finds a channel (the <c>no_contact</c> halt's rule, AccountReads): an e-mail with its
    /// consent, or a phone with SMS or WhatsApp consent.
    /// </summary>
    public bool Reachable => (Email is not null && EmailOptIn) || (Phone is not null && (SmsOptIn || WhatsAppOptIn));
}

/// <summary>
/// Corrects what a <c>no_contact</c> halt is about — the holder's e-mail, phone and channel consents — checked by the
/// import's own rules (<see cref="AccountRules.ContactProblems"/>) and audited with the contact before and after, in the
/// update's transaction. A re-import of the account sets them again from the file.
/// </summary>
public sealed class AccountContact(NpgsqlDataSource db, AuditTrail audit)
{
    public async Task<ActionOutcome> Update(string accountId, ContactInput input, Actor actor, CancellationToken ct)
    {
        var email = Blank(input.Email);
        var phone = Blank(input.Phone);
        var errors = AccountRules.ContactProblems(email, phone)
            .Concat(Missing("emailOptIn", input.EmailOptIn)).Concat(Missing("smsOptIn", input.SmsOptIn)).Concat(Missing("whatsAppOptIn", input.WhatsAppOptIn))
            .GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Problem).ToArray());
        if (errors.Count > 0)
            return ActionOutcome.Invalid(errors, "The contact details are not valid; nothing was changed.");

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var read = new NpgsqlCommand("""
            select email, phone, email_opt_in, sms_opt_in, whatsapp_opt_in from billing.account where account_id = $1 for update
            """, connection, transaction) { Parameters = { new() { Value = accountId } } };
        HolderContact before;
        await using (var r = await read.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
                return ActionOutcome.NotFound("No such account", $"There is no account '{accountId}'.");
            before = new HolderContact(accountId, r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1),
                r.GetBoolean(2), r.GetBoolean(3), r.GetBoolean(4));
        }

        var after = new HolderContact(accountId, email, phone, input.EmailOptIn!.Value, input.SmsOptIn!.Value, input.WhatsAppOptIn!.Value);
        await using var write = new NpgsqlCommand("""
            update billing.account set email = $2, phone = $3, email_opt_in = $4, sms_opt_in = $5, whatsapp_opt_in = $6, updated_at = now()
            where account_id = $1
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = accountId }, new() { Value = (object?)email ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar },
                new() { Value = (object?)phone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar },
                new() { Value = after.EmailOptIn }, new() { Value = after.SmsOptIn }, new() { Value = after.WhatsAppOptIn },
            },
        };
        await write.ExecuteNonQueryAsync(ct);
        await audit.Record(new AuditEntry(actor, "account.contact", "account", accountId, Audited(before), Audited(after)), connection, transaction, ct);
        await transaction.CommitAsync(ct);
        return ActionOutcome.Accepted($"/accounts/{Uri.EscapeDataString(accountId)}/contact", after);
    }

    static object Audited(HolderContact c) => new { c.Email, c.Phone, c.EmailOptIn, c.SmsOptIn, c.WhatsAppOptIn };

    // A form's empty field and JSON's "" both mean "none": the column is null, as an import leaves it. Only spaces are
    // trimmed: a control character (some count as white space) must reach the rules and be refused, not vanish.
    static string? Blank(string? value) => value?.Trim(' ') is { Length: > 0 } text ? text : null;

    static IEnumerable<(string Field, string Problem)> Missing(string field, bool? value) =>
        value is null ? [(field, $"{field} is missing (true or false)")] : [];
}
