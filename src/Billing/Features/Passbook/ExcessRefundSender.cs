using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// Sends what a committed repayment, reversal or move asks of the refund saga (an excess refund's RequestRefund, the
/// CancelRefund of an excess cut back), after the API has answered: the answer never waits on the broker (review L7).
/// What this process loses (a crash, a broker away past <see cref="PassbookOptions.RefundSendTimeout"/>, a queue full)
/// the sweep sends again (<see cref="ExcessRefundSweep"/>: an excess still pending or requested, a cancel still
/// cancelling); the refund ids are deterministic, so a second send is the same refund. A failed excess cancelled at once
/// needs no repeat: the saga refuses its retry and reconcile itself (<c>RefundIntake.CancelledByBilling</c>).
/// </summary>
public sealed class ExcessRefundSender(IBus bus, NpgsqlDataSource dataSource, TimeProvider clock, IOptions<PassbookOptions> options,
    ILogger<ExcessRefundSender> logger) : BackgroundService
{
    // Bounded: a broker away for long must not grow the API's memory; what does not fit is the sweep's.
    readonly Channel<Func<CancellationToken, Task>> _sends = Channel.CreateBounded<Func<CancellationToken, Task>>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Request(string gatewayPaymentId, string currency, string method, ExcessRefundView excess, int moveNo) =>
        Enqueue($"excess refund {excess.RefundId} of {gatewayPaymentId}", async token =>
        {
            await ExcessRefunds.Publish(bus, ExcessRefunds.Request(gatewayPaymentId, excess.Amount, currency, method, moveNo), token);
            await ExcessRefunds.MarkRequested(dataSource, excess.RefundId, token);
        });

    public void Cancel(IReadOnlyList<Guid> refundIds)
    {
        foreach (var refundId in refundIds)
            Enqueue($"the cancel of excess refund {refundId}", token => bus.Publish(ExcessRefunds.Cancel(refundId, clock.GetUtcNow()), token));
    }

    void Enqueue(string what, Func<CancellationToken, Task> send)
    {
        if (!_sends.Writer.TryWrite(send))
            logger.LogWarning("{What} not queued (the send queue is full); the sweep sends it", what);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var send in _sends.Reader.ReadAllAsync(stoppingToken))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(options.Value.RefundSendTimeout);
                try
                {
                    await send(timeout.Token);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "An excess refund's message was not sent now; the sweep sends it");
                }
            }
        }
        // Stopping: what is still queued is the sweep's. Not an error, and not one to stop the host with.
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
