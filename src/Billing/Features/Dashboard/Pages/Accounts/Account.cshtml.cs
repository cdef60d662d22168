using Billing.Features.Access;
using Billing.Features.Accounts;
using Billing.Features.BillingRuns.Api;
using Billing.Features.Passbook;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Billing.Features.Dashboard.Pages.Accounts;

/// <summary>The part of the account page that follows its billings (polled while a resume is on its way).</summary>
public sealed record AccountBillingsModel(string AccountId, IReadOnlyList<AccountBilling> Billings, bool CanOperate)
{
    public bool Final => Billings.All(b => b.Settled);
}

/// <summary>
/// One account as support sees it on a call: who, the loan, what is owed and due, and everything that moved it; and for
/// operators, what halts it: the holder's contact details and consents, and a resume that the page then follows.
/// </summary>
public sealed class AccountModel(AccountQueries queries, AccountBillings billings, AccountContact contact, BillingRunActions actions,
    NpgsqlDataSource db) : DashboardPage
{
    public const int PassbookPageSize = 50;

    [FromRoute]
    public string AccountId { get; set; } = "";

    [FromQuery(Name = "page")]
    public int PassbookPage { get; set; } = 1;

    public Holder Holder { get; private set; } = null!;
    public LoanTerms? Loan { get; private set; }
    public BalanceView Balance { get; private set; } = null!;
    public List<AccountStatement> Statements { get; private set; } = [];
    public List<AccountRepayment> Repayments { get; private set; } = [];
    public List<AccountRefund> Refunds { get; private set; } = [];
    public AccountBillingsModel Billings { get; private set; } = null!;
    public List<AuditRow> AuditEntries { get; private set; } = [];
    public List<PassbookLine> Passbook { get; private set; } = [];
    public bool MorePassbook { get; private set; }

    /// <summary>What the contact form shows: the holder's contact, or what was typed when it was refused.</summary>
    public ContactInput ContactForm { get; private set; } = null!;
    public IDictionary<string, string[]> ContactProblems { get; private set; } = new Dictionary<string, string[]>();

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        PassbookPage = Math.Max(1, PassbookPage);
        if (OutOfReach(PassbookPage, PassbookPageSize) is { } tooFar)
            return tooFar;
        return await Load(ct) ? Page() : NoSuchAccount();
    }

    /// <summary>The billings part alone, for the page's polling after a resume.</summary>
    public async Task<IActionResult> OnGetBillings(CancellationToken ct) =>
        Partial("_AccountBillings", new AccountBillingsModel(AccountId, await billings.Halted(AccountId, ct), CanOperate));

    /// <summary>The contact form: the same service, rules and audit entry as <c>PUT /accounts/{id}/contact</c>.</summary>
    public async Task<IActionResult> OnPostContact(string? email, string? phone, CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        var input = new ContactInput(email, phone, Consent("emailOptIn"), Consent("smsOptIn"), Consent("whatsAppOptIn"));
        var outcome = await contact.Update(AccountId, input, Actor, ct);
        if (outcome.Kind == ActionKind.NotFound)
            return NoSuchAccount();
        if (outcome.Kind == ActionKind.Invalid)
        {
            // The page again, with what was typed and why it was refused beside it; nothing was written.
            if (!await Load(ct))
                return NoSuchAccount();
            (ContactForm, ContactProblems) = (input, outcome.Errors!);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var after = (HolderContact)outcome.Body!;
        Flash = after.Reachable
            ? "Contact details saved."
            : "Contact details saved, but no channel reaches the holder: a resume will halt at validation (no_contact) again.";
        FlashIsError = !after.Reachable;
        return RedirectToPage(new { AccountId });
    }

    public async Task<IActionResult> OnPostResume(Guid runId, CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        Tell(await actions.ResumeAccount(runId, AccountId, Actor, ct), $"Resume of {AccountId} requested; this page follows it.");
        return RedirectToPage(new { AccountId });
    }

    // A checkbox sends nothing when unticked, so the form carries a hidden "false" beside each: no value at all is a form
    // that lost the field, refused as missing rather than read as a withdrawn consent.
    bool? Consent(string field) => Request.Form.TryGetValue(field, out var values) ? values.Contains("true") : null;

    async Task<bool> Load(CancellationToken ct)
    {
        if (await queries.Holder(AccountId, ct) is not { } found || await BalanceEndpoint.Read(db, AccountId, ct) is not { } balance)
            return false;
        (Holder, Loan, Balance) = (found.Holder, found.Loan, balance);
        var h = Holder;
        ContactForm = new ContactInput(h.Email, h.Phone, h.EmailOptIn, h.SmsOptIn, h.WhatsAppOptIn);
        Statements = await queries.Statements(AccountId, ct);
        Repayments = await queries.Repayments(AccountId, ct);
        Refunds = await queries.Refunds(AccountId, ct);
        Billings = new AccountBillingsModel(AccountId, await billings.Halted(AccountId, ct), CanOperate);
        AuditEntries = await billings.Audit(AccountId,
            Billings.Billings.Select(b => b.RunId).Concat(Statements.Where(s => s.RunId is not null).Select(s => s.RunId!.Value)),
            Statements.Select(s => s.StatementId), Refunds.Select(r => r.RefundId), ct);
        (Passbook, MorePassbook) = await queries.Passbook(AccountId, PassbookPage, PassbookPageSize, ct);
        return true;
    }

    IActionResult NoSuchAccount() => NotFoundPage($"No account '{AccountId}'.");
}
