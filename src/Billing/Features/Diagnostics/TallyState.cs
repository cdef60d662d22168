using MassTransit;

namespace Billing.Features.Diagnostics;

public class TallyState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string? CurrentState { get; set; }
    public int? ExpectedCount { get; set; }

    /// <summary>The sequence numbers applied, in arrival order: a lost or doubled addition shows here.</summary>
    public List<int> Applied { get; set; } = [];

    public DateTime? CompletedAt { get; set; }
}
