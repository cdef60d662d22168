using MassTransit;

namespace Billing.Features.BillingRuns.Saga;

/// <summary>One account billed for one statement date: which step it is on, and why it stopped if it did.</summary>
public class AccountBillingState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string? CurrentState { get; set; }

    public Guid RunId { get; set; }
    public string AccountId { get; set; } = "";
    public DateOnly StatementDate { get; set; }

    /// <summary>The step it is on, waiting to retry, or halted at; null once the statement is ready.</summary>
    public string? Step { get; set; }

    /// <summary>Scheduled retries spent on the current step (immediate ones are not kept).</summary>
    public int StepAttempts { get; set; }

    public string? HaltReason { get; set; }
    public string? HaltDetail { get; set; }

    /// <summary>The ledger cut-off, fixed by the first step and kept: a retry or resume bills against the same one.</summary>
    public DateTimeOffset? Cutoff { get; set; }

    public Guid? StatementId { get; set; }
    public Guid? RetryTokenId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Each channel's outcome once the statement's delivery settled, e.g. "sms:sent pdf:sent email:sent whatsapp:skipped".</summary>
    public string? Delivery { get; set; }

    /// <summary>The statement's delivery outcome: delivered, partly_delivered, undelivered or not_delivered (every channel skipped).</summary>
    public string? DeliveryOutcome { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }
}
