namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// The one place that says which states of an account's billing (<see cref="Saga.AccountBillingStateMachine"/>) are
/// settled for its run: the fan-out's room, the progress endpoint and the dashboard all count from here.
/// </summary>
/// <remarks>
/// Settled means the run has nothing more to wait for: the statement is billed (Ready, then Delivered once its
/// channels settle), the account halted (only a resume moves it), or it is parked until its own cut-off. A run once
/// stalled for good because Delivered, added later, was missing from a list kept in the fan-out's SQL. Every state of the
/// machine must be named in exactly one of the two sets; <c>RunStatesTests</c> fails when a new state is in neither.
/// </remarks>
public static class RunStates
{
    public const string Ready = "Ready";
    public const string Delivered = "Delivered";
    public const string Halted = "Halted";
    public const string WaitingForCutoff = "WaitingForCutoff";
    public const string RetryScheduled = "RetryScheduled";

    public static readonly string[] Settled = [Ready, Delivered, Halted, WaitingForCutoff];

    /// <summary>Still being billed: a step waits for its scheduled retry.</summary>
    public static readonly string[] Unsettled = [RetryScheduled];

    public static bool IsSettled(string state) => Settled.Contains(state);

    /// <summary>
    /// Published accounts not yet settled: those whose saga has not started yet count too, since the message that starts it
    /// is on its way. Never below zero (a page's sagas can start before its cursor moves).
    /// </summary>
    public static int InFlight(long published, long settled) => (int)Math.Max(0, published - settled);
}
