namespace Billing.Contracts.BillingRuns;

/// <summary>
/// Starts the billing run of a statement date: every account whose statement day it is. Starting a date again (the
/// cron firing twice, a second POST) joins the run already there: one run per date, one statement per account and date.
/// </summary>
public record StartBillingRun(DateOnly StatementDate, string Trigger);
