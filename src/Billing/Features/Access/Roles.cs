namespace Billing.Features.Access;

/// <summary>
/// The roles a person or an API key holds. An admin holds every other role's rights too, so the one admin of a small
/// team is not locked out of refunds or runs; intake is for machines (API keys) only.
/// </summary>
public static class Roles
{
    /// <summary>Refunds: retry, bulk retry, resolve, cancel; statement deliveries.</summary>
    public const string Support = "support";

    /// <summary>Billing runs: start, resume; account imports.</summary>
    public const string Operator = "operator";

    /// <summary>Jobs (trigger, delete), users and keys, and everything the other roles may do.</summary>
    public const string Admin = "admin";

    /// <summary>Machine intake: <c>POST /refunds</c> and <c>POST /repayments</c>. API keys only.</summary>
    public const string Intake = "intake";

    public static readonly IReadOnlyList<string> Staff = [Support, Operator, Admin];
    public static readonly IReadOnlyList<string> All = [Support, Operator, Admin, Intake];

    public static bool IsKnown(string role) => All.Contains(role);
}

/// <summary>The authorization policies endpoints and pages name; each is a set of roles (see AccessRegistration).</summary>
public static class Policies
{
    /// <summary>The roles each policy accepts: the policies are made of these, and pages ask them to show a button.</summary>
    public static readonly IReadOnlyList<string> SupportRoles = [Roles.Support, Roles.Admin];
    public static readonly IReadOnlyList<string> OperatorRoles = [Roles.Operator, Roles.Admin];

    /// <summary>Any staff role: reads that show personal data (accounts, statements, refunds, runs) and the dashboard.</summary>
    public const string Staff = "staff";

    public const string Support = "support";
    public const string Operator = "operator";
    public const string Admin = "admin";

    /// <summary>Machine intake by API key.</summary>
    public const string Intake = "intake";
}
