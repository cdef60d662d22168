namespace Billing.Features.Accounts;

/// <summary>One thing read from an import source; <see cref="Where"/> names it for messages (a CSV line, a JSON path).</summary>
public abstract record ImportRow(string Where);

public sealed record AccountRow(string Where, AccountInput Account) : ImportRow(Where);

public sealed record EntryRow(string Where, EntryInput Entry) : ImportRow(Where);

/// <summary>A row the reader could not turn into a record (a number that is not one, a wrong column count).</summary>
public sealed record UnreadableRow(string Where, string Reason) : ImportRow(Where);

/// <summary>The file as a whole cannot be read (not JSON, an unknown CSV header): nothing in it is imported.</summary>
public sealed class ImportFormatException(string message, Exception? inner = null) : Exception(message, inner);
