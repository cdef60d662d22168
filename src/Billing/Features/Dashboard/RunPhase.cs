namespace Billing.Features.Dashboard;

/// <summary>
/// A billing run's status in words, from what is still in flight: "finished" only when no account is being billed and no
/// delivery is pending (halted accounts are not in flight, they wait for a resume: the health column counts them).
/// </summary>
public static class RunPhase
{
    public static string Of(string status, int billingInFlight, int deliveriesInFlight) => status switch
    {
        "fanning_out" => "starting accounts",
        "paused" => "paused",
        "fanned_out" when billingInFlight > 0 => "billing",
        "fanned_out" when deliveriesInFlight > 0 => "delivering",
        "fanned_out" => "finished",
        _ => status,
    };
}
