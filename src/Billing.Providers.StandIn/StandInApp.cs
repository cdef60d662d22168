namespace Billing.Providers.StandIn;

/// <summary>
/// Names this assembly's entry point for <c>WebApplicationFactory&lt;StandInApp&gt;</c>. Tests reference Billing too,
/// whose top-level <c>Program</c> would clash with this host's.
/// </summary>
public sealed class StandInApp;
