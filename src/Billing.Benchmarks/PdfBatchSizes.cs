using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Billing.Features.Observability;

namespace Billing.Benchmarks;

/// <summary>
/// The renderer's batch sizes while a pass runs, read from the worker's own metric
/// (<see cref="BillingMetrics.PdfBatchSizeName"/>) in this process: how full the pipeline keeps Chromium's prints.
/// </summary>
sealed class PdfBatchSizes : IDisposable
{
    readonly MeterListener _listener = new();
    readonly ConcurrentDictionary<int, long> _prints = new();

    PdfBatchSizes()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BillingMetrics.MeterName && instrument.Name == BillingMetrics.PdfBatchSizeName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, size, _, _) => _prints.AddOrUpdate(size, 1, (_, n) => n + 1));
        _listener.Start();
    }

    public static PdfBatchSizes Start() => new();

    /// <summary>"412 prints, 19.4 statements each; 20: 88 %, 10–19: 9 %, 5–9: 2 %, 2–4: 1 %, 1: 0 %".</summary>
    public string Describe(int batchSize)
    {
        var prints = _prints.Values.Sum();
        if (prints == 0)
            return "no batched prints";
        var statements = _prints.Sum(p => (long)p.Key * p.Value);
        (string Label, Func<int, bool> In)[] ranges =
        [
            ($"{batchSize} (full)", s => s >= batchSize), ($"10–{batchSize - 1}", s => s >= 10 && s < batchSize),
            ("5–9", s => s is >= 5 and < 10), ("2–4", s => s is >= 2 and < 5), ("1", s => s == 1),
        ];
        var shares = ranges.Select(r => $"{r.Label}: {100.0 * _prints.Where(p => r.In(p.Key)).Sum(p => p.Value) / prints:N0} %");
        return $"{prints:N0} prints, {(double)statements / prints:N1} statements each; {string.Join(", ", shares)}";
    }

    public void Dispose() => _listener.Dispose();
}
