using Billing.Features.Observability;
using Billing.Features.BillingRuns.Saga;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.BillingRuns.Steps;

public enum StepOutcome
{
    /// <summary>Every step passed: the statement is written with the commit.</summary>
    Ready,

    /// <summary>Not due yet (the cut-off has not settled): continue at <see cref="StepRun.ContinueAt"/>.</summary>
    Waiting,

    /// <summary>A transient failure outlived its immediate retries: try the step again at <see cref="StepRun.ContinueAt"/>.</summary>
    RetryScheduled,

    /// <summary>Stopped at <see cref="AccountBillingState.Step"/> with its reason.</summary>
    Halted,
}

public sealed record StepRun(StepOutcome Outcome, DateTimeOffset? ContinueAt = null);

/// <summary>
/// Walks an account's steps from the one it is on, in one consume transaction, checkpointing in the saga: the step it is
/// on, its scheduled attempts, its halt reason. Each step keeps its own retry policy and its own reasons, so a step is
/// observed, retried and halted on its own although the happy path costs one transaction for all five.
/// </summary>
public sealed class BillingStepRunner(IEnumerable<IBillingStep> steps, IOptionsMonitor<BillingRunOptions> options, StepFaults faults,
    ILogger<BillingStepRunner> logger)
{
    readonly Dictionary<string, IBillingStep> _steps = steps.ToDictionary(s => s.Name);

    public async Task<StepRun> Run(BillingWork work, CancellationToken cancellationToken)
    {
        var saga = work.Saga;
        // Every step runs each time, from the first: the steps before the checkpoint only read again what they gathered
        // (the cut-off they fixed is kept), so a retry or resume at a later step finds its inputs. The checkpoint and the
        // attempt count move only past the step the saga is on.
        saga.Step ??= BillingSteps.BlockDuplicates;
        var checkpoint = BillingSteps.IndexOf(saga.Step);
        for (var index = 0; index < BillingSteps.InOrder.Count; index++)
        {
            var name = BillingSteps.InOrder[index];
            if (index > checkpoint)
            {
                saga.Step = name;
                saga.StepAttempts = 0;
                checkpoint = index;
            }

            var policy = options.CurrentValue.PolicyFor(name);
            for (var immediate = 0; ; immediate++)
            {
                try
                {
                    await faults.Inject(name, saga.AccountId, cancellationToken);
                    if (await _steps[name].Run(work, cancellationToken) is { } waitUntil)
                        return new StepRun(StepOutcome.Waiting, waitUntil);
                    break;
                }
                catch (Exception e) when (e is not PostgresException and not NpgsqlException and not OperationCanceledException)
                {
                    // A failed statement has ended the transaction, so only failures outside SQL are handled here; those
                    // inside it fail the delivery, which the endpoint's retry and the database breaker take care of.
                    var failure = e as StepFailure ?? StepFailure.Retryable("unexpected_error", $"{e.GetType().Name}: {e.Message}");
                    if (failure.Transient && immediate < policy.ImmediateRetries)
                        continue;
                    if (failure.Transient && saga.StepAttempts < policy.ScheduledRetries)
                    {
                        saga.StepAttempts++;
                        saga.HaltReason = failure.Reason;
                        saga.HaltDetail = Truncate(failure.Message);
                        return new StepRun(StepOutcome.RetryScheduled, work.Now + policy.DelayBefore(saga.StepAttempts));
                    }

                    saga.Step = name;
                    saga.HaltReason = failure.Reason;
                    saga.HaltDetail = Truncate(failure.Message);
                    logger.LogWarning("Billing of {AccountId} for {StatementDate} halted at {Step}: {Reason} ({Detail})",
                        saga.AccountId, saga.StatementDate, name, failure.Reason, failure.Message);
                    BillingMetrics.AccountHalted(name, failure.Reason);
                    return new StepRun(StepOutcome.Halted);
                }
            }
        }

        saga.Step = null;
        saga.StepAttempts = 0;
        saga.HaltReason = null;
        saga.HaltDetail = null;
        BillingMetrics.AccountBilled();
        return new StepRun(StepOutcome.Ready);
    }

    static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];
}
