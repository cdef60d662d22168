namespace Billing.Features.Statements;

/// <summary>
/// The instants a statement covers: [<paramref name="PeriodStart"/>, <paramref name="Cutoff"/>). An entry booked exactly at
/// the cut-off belongs to the next statement, so no instant is in two periods and none falls between them.
/// </summary>
/// <param name="PeriodStart">The previous statement's cut-off.</param>
/// <param name="Cutoff">This statement's cut-off: local midnight at the start of its statement date, as UTC.</param>
public sealed record StatementPeriod(DateTimeOffset PeriodStart, DateTimeOffset Cutoff)
{
    public bool Contains(DateTimeOffset bookedAt) => bookedAt >= PeriodStart && bookedAt < Cutoff;

    /// <summary>The period that ends at <paramref name="statementDate"/> for an account with this statement day and zone.</summary>
    public static StatementPeriod For(DateOnly statementDate, int statementDay, TimeZoneInfo zone) => new(
        StatementCalendar.Cutoff(StatementCalendar.PreviousStatementDate(statementDate, statementDay), zone),
        StatementCalendar.Cutoff(statementDate, zone));
}
