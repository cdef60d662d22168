namespace Billing.Features.Accounts;

public sealed record Rejection(string Where, string Reason);

public sealed record Conflict(string Ref, string Reason);

/// <summary>What an import did, or would have done: when anything is rejected or conflicts, nothing is written.</summary>
public sealed record ImportReport
{
    /// <summary>True when the import committed; false when a rejected row or a conflicting entry stopped it whole.</summary>
    public bool Written { get; init; }
    public int AccountsCreated { get; init; }
    public int AccountsUpdated { get; init; }
    public int AccountsUnchanged { get; init; }
    public int StatementsCreated { get; init; }
    public int StatementsUpdated { get; init; }
    public long EntriesAdded { get; init; }
    /// <summary>Entries whose ref was already booked with the same content (or came twice in the import).</summary>
    public long EntriesAlreadyPresent { get; init; }
    public long EntriesConflicting { get; init; }
    public int RejectedCount { get; init; }
    /// <summary>The first rejected rows (at most <see cref="AccountImporter.MaxListed"/>), with their line or path.</summary>
    public IReadOnlyList<Rejection> Rejected { get; init; } = [];
    public IReadOnlyList<Conflict> Conflicts { get; init; } = [];
}

/// <param name="Stage">reading, checking, writing or done.</param>
public sealed record ImportProgress(string Stage, long Accounts, long Entries);
