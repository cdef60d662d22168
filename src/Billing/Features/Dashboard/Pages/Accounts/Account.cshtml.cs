using Billing.Features.Passbook;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Billing.Features.Dashboard.Pages.Accounts;

/// <summary>One account as support sees it on a call: who, the loan, what is owed and due, and everything that moved it.</summary>
public sealed class AccountModel(AccountQueries queries, NpgsqlDataSource db) : DashboardPage
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
    public List<AccountHalt> Halts { get; private set; } = [];
    public List<PassbookLine> Passbook { get; private set; } = [];
    public bool MorePassbook { get; private set; }

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        PassbookPage = Math.Max(1, PassbookPage);
        if (OutOfReach(PassbookPage, PassbookPageSize) is { } tooFar)
            return tooFar;
        if (await queries.Holder(AccountId, ct) is not { } found || await BalanceEndpoint.Read(db, AccountId, ct) is not { } balance)
            return NotFoundPage($"No account '{AccountId}'.");
        (Holder, Loan, Balance) = (found.Holder, found.Loan, balance);
        Statements = await queries.Statements(AccountId, ct);
        Repayments = await queries.Repayments(AccountId, ct);
        Refunds = await queries.Refunds(AccountId, ct);
        Halts = await queries.Halts(AccountId, ct);
        (Passbook, MorePassbook) = await queries.Passbook(AccountId, PassbookPage, PassbookPageSize, ct);
        return Page();
    }
}
