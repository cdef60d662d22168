namespace Billing.Features.Scheduling;

/// <summary>The message id of one firing of a recurring job: a duplicate firing publishes the same id, which the inbox drops.</summary>
public static class JobOccurrences
{
    static readonly Guid Namespace = new("6f0c1d52-4b7e-4f0a-9a55-0d6b2f6e2c31");

    /// <summary>One id per schedule and due time, the same from any server that fires it, however often.</summary>
    public static Guid Id(string schedule, DateTimeOffset dueAt) => NameBasedGuid.Create(Namespace, $"{schedule}@{dueAt.ToUnixTimeSeconds()}");
}
