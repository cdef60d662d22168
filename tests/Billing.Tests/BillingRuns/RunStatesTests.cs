using Billing.Features.BillingRuns.Runs;
using Billing.Features.BillingRuns.Saga;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// The fan-out, the progress endpoint and the dashboard count settled accounts from <see cref="RunStates"/>: a state added
/// to the billing saga and named in neither set fails here, before it can stall a run (as Delivered once did).
/// </summary>
public class RunStatesTests
{
    [Fact]
    public void Every_state_of_the_billing_saga_is_either_settled_or_unsettled_for_its_run()
    {
        var machine = new AccountBillingStateMachine(TimeProvider.System);
        var states = machine.States.Select(s => s.Name).Where(n => n is not ("Initial" or "Final")).Order().ToList();

        states.ShouldBe(RunStates.Settled.Concat(RunStates.Unsettled).Order().ToList(), ignoreOrder: false,
            "each state named once, in Settled or Unsettled");
        RunStates.Settled.Intersect(RunStates.Unsettled).ShouldBeEmpty();
    }

    [Fact]
    public void Delivered_counts_as_settled_so_a_run_with_delivery_on_keeps_fanning_out()
    {
        RunStates.IsSettled(RunStates.Delivered).ShouldBeTrue();
        RunStates.IsSettled(RunStates.RetryScheduled).ShouldBeFalse();
        RunStates.InFlight(published: 100, settled: 60).ShouldBe(40);
        RunStates.InFlight(published: 100, settled: 120).ShouldBe(0, "a page's sagas may start before its cursor moves");
    }
}
