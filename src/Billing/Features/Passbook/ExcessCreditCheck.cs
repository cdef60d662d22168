using Billing.Infrastructure.Postgres;
using MassTransit;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>An account's credit went down without a reversal (another system's refund of one of its repayments was paid).</summary>
public sealed record ExcessCreditCheck(string AccountId, Guid RefundId);

/// <summary>
/// Cuts the account's unpaid excess refunds back to the credit it has left, as a reversal does
/// (<see cref="ExcessRefunds.ReleaseShortfall"/>): otherwise support's retry of a failed excess could pay out credit
/// another system's refund already gave back. Its own transaction takes the account's lock before the payments' locks,
/// in the order the repayment intake takes them; the outcome consumer that asks for it holds a payment's lock, so it
/// asks by message instead of doing this itself. Idempotent: an excess already cancelling is not picked again, and the
/// sweep repeats a cancel that was lost.
/// </summary>
public sealed class ExcessCreditCheckConsumer(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ExcessCreditCheckConsumer> logger)
    : IConsumer<ExcessCreditCheck>
{
    public async Task Consume(ConsumeContext<ExcessCreditCheck> context)
    {
        var check = context.Message;
        var cancelling = await PassbookTransaction.Run(dataSource, async (connection, transaction, token) =>
        {
            await RepaymentIntake.LockAccount(connection, transaction, check.AccountId, token);
            var ids = await ExcessRefunds.ReleaseShortfall(connection, transaction, check.AccountId,
                $"refund {check.RefundId} of one of the account's repayments was paid: the account's credit no longer covers this refund", token);
            await transaction.CommitAsync(CancellationToken.None);
            return ids;
        }, context.CancellationToken);

        foreach (var refundId in cancelling)
            await context.Publish(ExcessRefunds.Cancel(refundId, clock.GetUtcNow(),
                "another refund of the account's repayments was paid; the account's credit no longer covers this refund"));
        if (cancelling.Count > 0)
            logger.LogWarning("Refund {RefundId} lowered account {AccountId}'s credit: excess refunds {Cancelling} are being cancelled",
                check.RefundId, check.AccountId, cancelling);
    }
}
