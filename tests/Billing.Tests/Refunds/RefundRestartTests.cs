using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

/// <summary>
/// A routine restart of Postgres or RabbitMQ (scripts/stack.sh restart) while refunds are in flight: every refund still
/// ends refunded, none is paid twice, and nothing is left in an error queue for support to find. The Postgres one fails
/// if transient database errors (57P01/57P03, broken connections) are not waited out: the saga's messages then go to
/// refund-state_error and their refunds never finish.
/// </summary>
public class RefundRestartTests
{
    [Fact]
    public async Task Refunds_in_flight_while_postgres_restarts_are_each_refunded_once_and_none_reaches_an_error_queue() =>
        await RideThrough(StackServers.RestartPostgres);

    [Fact]
    public async Task Refunds_in_flight_while_rabbitmq_restarts_are_each_refunded_once_and_none_reaches_an_error_queue() =>
        await RideThrough(StackServers.RestartRabbitMq);

    static async Task RideThrough(Func<Task> restart)
    {
        await using var refunds = await RefundStack.Start();
        // Slow answers keep many attempts in flight when the server goes.
        await refunds.SetFaults("card", new FaultSettings(LatencyMs: 500));
        await refunds.SetFaults("swish", new FaultSettings(LatencyMs: 500));

        var ids = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            refunds.Refund(Key(), RefundStack.Body($"pi_restart_{i}", 10m + i, method: i % 2 == 0 ? "card" : "swish"))));
        await Eventually.Get("refunds in flight at the provider", async () => (await refunds.Ledger()).Requests.Count(r => r.Status is null),
            inFlight => inFlight >= 10);
        (await refunds.Count("select count(*) from refunds.refund where current_state = 'Refunded'")).ShouldBeLessThan(ids.Length,
            "the restart must come while refunds are unfinished");

        await restart();

        foreach (var id in ids)
            await refunds.WaitFor(id, "refunded", TimeSpan.FromMinutes(3));
        await refunds.Stack.WaitUntilIdle(TimeSpan.FromMinutes(2));
        var ledger = await refunds.Ledger();
        foreach (var id in ids)
            ledger.Payments.Count(p => RefundStack.IsOurs(p.Reference, id)).ShouldBe(1, $"refund {id} is paid once");
        (await refunds.Stack.Ground.Queues()).Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .ShouldBeEmpty("no message was given up on");
        refunds.Workers.ShouldAllBe(w => !w.HasExited);
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}
