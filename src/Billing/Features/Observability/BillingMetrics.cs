using System.Diagnostics.Metrics;
using Billing.Infrastructure.Messaging.Watchdog;

namespace Billing.Features.Observability;

/// <summary>
/// The service's own meter, "Billing": every instrument is defined here and fed by a one-line call where the work is
/// recorded (the billing step runner, the refund saga, the PDF consumer, channel delivery). Prometheus names them
/// <c>billing_…</c> (dots become underscores, counters get <c>_total</c>, units a suffix).
/// </summary>
/// <remarks>
/// Counted where the saga or consumer decides, inside its consume transaction: an attempt that rolls back and is taken
/// again counts again. That is rare (a conflict, a crash between decision and commit) and these are rates to watch,
/// not the ledger; the tables stay the record.
/// </remarks>
public static class BillingMetrics
{
    public const string MeterName = "Billing";

    static readonly Meter Meter = new(MeterName);

    static readonly Counter<long> AccountsBilled = Meter.CreateCounter<long>("billing.accounts.billed", "{account}",
        "Accounts whose billing passed every step (statement written).");

    static readonly Counter<long> AccountsHalted = Meter.CreateCounter<long>("billing.accounts.halted", "{account}",
        "Accounts whose billing halted, by step and reason.");

    static readonly Counter<long> RefundOutcomes = Meter.CreateCounter<long>("billing.refunds.settled", "{refund}",
        "Refunds reaching an outcome (refunded, failed, needs_support), by method and cause (the last error code).");

    static readonly Histogram<double> RenderTime = Meter.CreateHistogram<double>("billing.statement.render.duration", "s",
        "From the wait for a Chromium page to the statement's PDF stored.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    public const string PdfBatchSizeName = "billing.statement.pdf.batch.size";

    // How full the renderer's prints are: a pipeline that starves Chromium prints small batches (issue 20).
    static readonly Histogram<int> PdfBatchSize = Meter.CreateHistogram<int>(PdfBatchSizeName, "{statement}",
        "Statements per Chromium print in batched mode (Statements:Pdf:BatchSize at most).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 15, 20, 40, 80] });

    static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("billing.statement.deliveries", "{delivery}",
        "Statement deliveries per channel and outcome (sent, retrying, failed, skipped).");

    static int _runsStalled;

    static readonly ObservableGauge<int> RunsStalled = Meter.CreateObservableGauge("billing.runs.stalled", () => Volatile.Read(ref _runsStalled),
        "{run}", "Billing runs whose fan-out, in this process, waits for room while none of their accounts settles (BillingRuns:StallAfter).");

    public static void RunStalled(int change) => Interlocked.Add(ref _runsStalled, change);

    static readonly Counter<long> BrokerGiveUps = Meter.CreateCounter<long>("billing.broker.gave_up", "{exit}",
        "A worker connected to RabbitMQ but not consuming or sending exited for its supervisor, by the sign that lasted.");

    static Func<BrokerSigns> _brokerSigns = () => BrokerSigns.None;

    // Observed, not recorded: the watchdog's last look, per sign; 0 while the worker consumes and sends.
    static readonly ObservableGauge<double> BrokerSignDurations = Meter.CreateObservableGauge("billing.broker.sign.duration",
        () => BrokerSigns.All.Select(sign => new Measurement<double>(_brokerSigns().Lasting(sign).TotalSeconds, new KeyValuePair<string, object?>("sign", sign))),
        "s", "How long the worker has been connected to RabbitMQ without consuming (endpoints, consumers) or sending (sends).");

    public static void AccountBilled() => AccountsBilled.Add(1);

    public static void AccountHalted(string step, string reason) =>
        AccountsHalted.Add(1, new KeyValuePair<string, object?>("step", step), new KeyValuePair<string, object?>("reason", reason));

    /// <param name="cause">The last provider error code; empty for a refund that was paid.</param>
    public static void RefundSettled(string outcome, string method, string? cause) =>
        RefundOutcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("method", method),
            new KeyValuePair<string, object?>("cause", cause ?? ""));

    public static void StatementRendered(TimeSpan elapsed) => RenderTime.Record(elapsed.TotalSeconds);

    public static void PdfBatchPrinted(int statements) => PdfBatchSize.Record(statements);

    public static void ObserveBrokerSigns(Func<BrokerSigns> signs) => _brokerSigns = signs;

    public static void BrokerGaveUp(IEnumerable<string> signs)
    {
        foreach (var sign in signs)
            BrokerGiveUps.Add(1, new KeyValuePair<string, object?>("sign", sign));
    }

    public static void Delivery(string channel, string outcome) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", outcome));
}
