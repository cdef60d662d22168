using Billing.Features.Passbook;
using Npgsql;

namespace Billing.Features.Accounts;

/// <summary>
/// Loads generated accounts: the accounts and their entries through the importer, then their history's repayments
/// through the repayment intake (an import takes none), each as the gateway payment it is: one entry, refundable, an
/// overpaid account's excess reserved for refunding. Booked when paid, before anything of these accounts is billed.
/// </summary>
public static class GeneratedHistory
{
    /// <summary>Repayments of different accounts booked at once; one account's wait for each other anyway.</summary>
    const int Parallel = 4;

    public static async Task<GeneratedLoad> Load(NpgsqlDataSource dataSource, IEnumerable<GeneratedAccount> generated,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var repayments = new List<RepaymentReport>();
        var accounts = generated.Select(g =>
        {
            repayments.AddRange(g.Repayments);
            return g.Account;
        });
        var report = await new AccountImporter(dataSource).Import(AccountFiles.Rows(accounts), progress, cancellationToken);
        if (!report.Written)
            return new(report, 0, 0);

        progress?.Report(new("repayments", report.AccountsCreated + report.AccountsUpdated + report.AccountsUnchanged, repayments.Count));
        var (recorded, replayed) = await Book(dataSource, repayments, cancellationToken);
        return new(report, recorded, replayed);
    }

    public static async Task<(int Recorded, int Replayed)> Book(NpgsqlDataSource dataSource, IReadOnlyList<RepaymentReport> repayments,
        CancellationToken cancellationToken)
    {
        var intake = new RepaymentIntake(dataSource);
        int recorded = 0, replayed = 0;
        await System.Threading.Tasks.Parallel.ForEachAsync(repayments,
            new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken }, async (report, token) =>
            {
                var result = await intake.RecordHistory(report, token);
                switch (result.Outcome)
                {
                    case RepaymentOutcome.Recorded:
                        Interlocked.Increment(ref recorded);
                        break;
                    case RepaymentOutcome.Replayed:
                        Interlocked.Increment(ref replayed);
                        break;
                    default:
                        // The accounts were just imported from the same generation: only another seed's payment under
                        // the same id (another history of the same account ids) lands here.
                        throw new InvalidOperationException(
                            $"Generated repayment {report.GatewayPaymentId} of {report.AccountId}: {result.Outcome} (another seed's accounts are loaded?).");
                }
            });
        return (recorded, replayed);
    }
}

/// <param name="RepaymentsReplayed">Repayments booked by an earlier load of the same accounts.</param>
public sealed record GeneratedLoad(ImportReport Import, int RepaymentsBooked, int RepaymentsReplayed);
