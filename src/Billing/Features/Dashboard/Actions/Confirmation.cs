namespace Billing.Features.Dashboard.Actions;

/// <summary>
/// The question a page asks before a bulk, money or destructive action, rendered by the server from counts it took at the
/// time of asking. Its form posts the same fields back to the same handler with <see cref="Token"/> (the count it stated),
/// and the handler counts again: the action runs only when the count is still the one the person agreed to.
/// </summary>
/// <param name="Question">What will happen, with the count or the amount: "Retry 252 refunds (swish, RF07)?"</param>
/// <param name="Effect">What that means for the customer or the run, and what it will not fix.</param>
/// <param name="Yes">The confirm button's words.</param>
public sealed record Confirmation(string Question, string Effect, string Token, string Yes, bool Danger)
{
    public const string Field = "confirmed";

    /// <summary>Said when the person confirmed a different count than the one there is now.</summary>
    public string? Changed { get; init; }

    public string Action { get; init; } = "";

    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];

    /// <summary>The page the form was on: where "No" leads, nothing done.</summary>
    public string Back { get; init; } = DashboardRegistration.Home;
}

/// <summary>A refused action shown in the dashboard's own layout, with its status: never the API's problem JSON.</summary>
public sealed record DashboardProblem(int Status, string Title, string Message);

/// <summary>The audit line an action writes, so a refusal is recorded beside the acceptances (as <c>{Action}.refused</c>).</summary>
public sealed record AuditTarget(string Action, string EntityType, string EntityId);
