using Billing.Cli.Refunds;
using Microsoft.Extensions.Configuration;

namespace Billing.Benchmarks;

public static class RefundBenchmark
{
    public static async Task Run(IConfiguration configuration, int count, TimeSpan outage, Func<IConfiguration, Task> fresh, bool withOutage)
    {
        using var provider = new StandInControl(new Uri(configuration["Refunds:Providers:card:BaseUrl"] ?? "http://127.0.0.1:5090"));
        await provider.EnsureUp(CancellationToken.None);
        await provider.ClearFaults("card", CancellationToken.None);
        await provider.ClearFaults("swish", CancellationToken.None);
        var bench = new RefundThroughput(configuration);

        Console.WriteLine($"Refunds on {Environment.ProcessorCount} cores; every part on this machine (Postgres, RabbitMQ, stand-in, worker)");
        await fresh(configuration);
        await bench.DirectProviderCalls(500);
        var direct = await bench.DirectProviderCalls(count);
        Console.WriteLine($"(a) provider stand-in called directly (32 at once):   {direct,8:N0} refunds/s");

        // A quarter of the run: 500 left the JIT still tiering up MassTransit's pipelines 40 s into the measured run
        // (about 10 % of the worker's CPU in perf), which a service running for hours never pays.
        await bench.FastLane(Math.Max(500, count / 4), "warmup");
        double fast;
        using (var groups = ConsumeGroupSizes.Start())
        {
            var cpu = CpuTime.Now();
            fast = await bench.FastLane(count, "fast");
            Console.WriteLine($"(b) through RabbitMQ, saga, lane and provider:       {fast,8:N0} refunds/s   ratio (b)/(a): {fast / direct:N2}");
            Console.WriteLine($"    consume groups: {groups.Describe()}");
            Console.WriteLine($"    {CpuTime.Now().PerItemSince(cpu, count, "refund")}");
        }

        if (!withOutage)
            return;

        await fresh(configuration);
        await provider.ResetLedger(CancellationToken.None);
        var (cardsDone, drain, attempts) = await bench.OutageDrain(count, outage, "outage", provider);
        var ledger = await provider.Ledger(CancellationToken.None);
        Console.WriteLine($"(c) Swish dark for {outage.TotalSeconds:N0} s with {count:N0} Swish + {count / 5:N0} card refunds requested at its start:");
        Console.WriteLine($"    card refunds all done after  {cardsDone.TotalSeconds,6:N1} s (the outage ended at {outage.TotalSeconds:N0} s)");
        Console.WriteLine($"    Swish drained                {drain.TotalSeconds,6:N1} s after the outage ended ({attempts:N0} attempts; slow lane 30 s doubling)");
        Console.WriteLine($"    provider ledger: {ledger.Payments:N0} paid, {ledger.ReferencesPaidTwice} refunds paid twice");
    }
}
