using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Billing.Infrastructure.Messaging.Grouping;

namespace Billing.Benchmarks;

/// <summary>
/// The consume groups closed while a pass runs, read from the worker's own metric
/// (<see cref="ConsumeGroupMetrics.GroupSizeName"/>) in this process: how many messages shared each transaction.
/// </summary>
sealed class ConsumeGroupSizes : IDisposable
{
    readonly MeterListener _listener = new();
    readonly ConcurrentDictionary<(string Endpoint, bool Committed), (long Groups, long Messages)> _groups = new();

    ConsumeGroupSizes()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ConsumeGroupMetrics.MeterName && instrument.Name == ConsumeGroupMetrics.GroupSizeName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
        {
            string endpoint = "", outcome = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "endpoint")
                    endpoint = tag.Value as string ?? "";
                else if (tag.Key == "outcome")
                    outcome = tag.Value as string ?? "";
            }

            _groups.AddOrUpdate((endpoint, outcome == "committed"), (1, size), (_, n) => (n.Groups + 1, n.Messages + size));
        });
        _listener.Start();
    }

    public static ConsumeGroupSizes Start() => new();

    /// <summary>"tally-state: 1,250 groups, 16.0 messages each, 0 given back to be consumed alone"; "no groups".</summary>
    public string Describe()
    {
        var endpoints = _groups.Keys.Select(k => k.Endpoint).Distinct().Order().ToList();
        if (endpoints.Count == 0)
            return "no consume groups (grouping off)";
        return string.Join("; ", endpoints.Select(endpoint =>
        {
            var committed = _groups.GetValueOrDefault((endpoint, true));
            var alone = _groups.GetValueOrDefault((endpoint, false));
            var each = committed.Groups == 0 ? 0 : (double)committed.Messages / committed.Groups;
            return $"{endpoint}: {committed.Groups:N0} groups, {each:N1} messages each, {alone.Messages:N0} given back to be consumed alone";
        }));
    }

    public void Dispose() => _listener.Dispose();
}
