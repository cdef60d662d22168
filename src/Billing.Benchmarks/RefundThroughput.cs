using System.Diagnostics;
using Billing.Cli.Refunds;
using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Providers;
using Billing.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Benchmarks;

/// <summary>
/// Refunds through the whole path (RabbitMQ, the refund saga on Postgres with the outbox, the method's lane, the
/// provider stand-in over HTTP) against the stand-in called directly by the same adapters: the baseline is what the
/// provider side alone allows on this machine.
/// </summary>
public sealed class RefundThroughput(IConfiguration configuration)
{
    public async Task<double> DirectProviderCalls(int count)
    {
        using var host = Build();
        var providers = host.Services.GetRequiredService<IRefundProviders>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var method = i % 2 == 0 ? "card" : "swish";
            var result = await providers.For(method).RefundAsync(new RefundOrder(Guid.NewGuid(), $"bench_direct_{i}", 25m, "SEK", null), ct);
            if (result.Outcome != ProviderOutcome.Paid)
                throw new InvalidOperationException($"The stand-in did not pay: {result}");
        });
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Refunds per second from the first request to the last one refunded, every provider call succeeding.</summary>
    public async Task<double> FastLane(int count, string tag)
    {
        using var host = Build();
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            var clock = Stopwatch.StartNew();
            await Request(bus, count, tag, i => i % 2 == 0 ? "card" : "swish");
            await WaitUntil(dataSource, tag, t => t.Refunded == count, TimeSpan.FromMinutes(10), $"{count} refunded");
            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>
    /// Swish goes dark for <paramref name="outage"/>; <paramref name="count"/> Swish refunds (and a fifth as many card
    /// refunds) are requested at its start. Reports when the card refunds were done, and how long after the outage
    /// ended the last Swish refund was refunded, with the default slow lane (30 s doubling).
    /// </summary>
    public async Task<(TimeSpan CardsDone, TimeSpan DrainAfterOutage, int Attempts)> OutageDrain(int count, TimeSpan outage, string tag,
        StandInControl provider)
    {
        using var host = Build();
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            var clock = Stopwatch.StartNew();
            await provider.SetFaults("swish", new { darkUntil = DateTimeOffset.UtcNow + outage }, CancellationToken.None);
            var cards = count / 5;
            await Request(bus, count + cards, tag, i => i % 6 == 5 ? "card" : "swish");
            await WaitUntil(dataSource, tag, _ => CardsRefunded(dataSource, tag) >= cards, outage * 10, "card refunds");
            var cardsDone = clock.Elapsed;
            await WaitUntil(dataSource, tag, t => t.Refunded == count + cards, TimeSpan.FromMinutes(15), $"{count + cards} refunded");
            var attempts = await Scalar(dataSource, "select count(*)::int from refunds.refund_attempt");
            return (cardsDone, clock.Elapsed - outage, attempts);
        }
        finally
        {
            await provider.ClearFaults("swish", CancellationToken.None);
            await host.StopAsync();
        }
    }

    static int CardsRefunded(NpgsqlDataSource dataSource, string tag)
    {
        using var command = dataSource.CreateCommand("select count(*)::int from refunds.refund where requested_by = $1 and method = 'card' and current_state = 'Refunded'");
        command.Parameters.AddWithValue(tag);
        return (int)command.ExecuteScalar()!;
    }

    static async Task<int> Scalar(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    static async Task Request(IBus bus, int count, string tag, Func<int, string> methodOf) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            await bus.Publish(RequestRefund.Create($"{tag}:{i}", $"bench_{tag}_{i}", 25m, "SEK", methodOf(i), null, tag), ct);
        });

    static async Task WaitUntil(NpgsqlDataSource dataSource, string tag, Func<RefundTally, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var tally = await RefundTally.Read(dataSource, tag, CancellationToken.None);
            if (done(tally))
                return;
            await Task.Delay(200);
        }

        throw new TimeoutException($"Not {what} within {timeout.TotalSeconds:N0} s.");
    }

    IHost Build() => BillingHost.Worker([], builder =>
    {
        builder.AddConfiguration(configuration);
        builder.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Logging:LogLevel:Billing.Features.Refunds"] = "Error" });
    });
}
