using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Control;

/// <summary>The faults set per payment method, and the seeded draws that decide each new request's outcome.</summary>
public sealed class Faults(TimeProvider clock, IOptions<StandInOptions> options, ILogger<Faults> logger)
{
    readonly Dictionary<PaymentMethod, (FaultSettings Settings, Random Random)> _byMethod = [];
    readonly Lock _gate = new();

    public FaultSettings Get(PaymentMethod method)
    {
        lock (_gate)
            return _byMethod.TryGetValue(method, out var set) ? set.Settings : FaultSettings.None;
    }

    public void Set(PaymentMethod method, FaultSettings settings)
    {
        lock (_gate)
            _byMethod[method] = (settings, settings.Seed is { } seed ? new Random(seed) : new Random());
    }

    public void Reset(PaymentMethod method)
    {
        lock (_gate)
            _byMethod.Remove(method);
    }

    public bool IsDark(PaymentMethod method) => Get(method).DarkUntil is { } until && clock.GetUtcNow() < until;

    /// <summary>Decides what happens to a request the provider has not seen before (replays are not drawn for).</summary>
    public FaultRoll Roll(PaymentMethod method)
    {
        lock (_gate)
        {
            if (!_byMethod.TryGetValue(method, out var set))
                return new FaultRoll(Outcome.Pay, 0);

            // Always three draws, so one request's outcome never shifts the sequence the next requests see.
            var (settings, random) = set;
            var fail = random.NextDouble();
            var timeout = random.NextDouble();
            var variant = random.Next(2);
            var outcome = fail < settings.FailRate
                ? settings.FailMode == FailMode.Retryable ? Outcome.FailRetryable : Outcome.Decline
                : timeout < settings.TimeoutAfterPayRate ? Outcome.PayThenTimeOut
                : timeout < settings.TimeoutAfterPayRate + settings.PendingRate ? Outcome.PayPending
                : timeout < settings.TimeoutAfterPayRate + settings.PendingRate + settings.LateFailRate ? Outcome.PayThenFailLater
                : Outcome.Pay;
            return new FaultRoll(outcome, variant);
        }
    }

    public async Task DelayAsync(PaymentMethod method, CancellationToken cancellationToken)
    {
        if (Get(method).LatencyMs is var latency and > 0)
            await Task.Delay(TimeSpan.FromMilliseconds(latency), clock, cancellationToken);
    }

    /// <summary>Holds a paid request's answer until the client gives up; false when it did.</summary>
    public async Task<bool> HoldAfterPayAsync(PaymentMethod method, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(options.Value.TimeoutAfterPayHold, clock, cancellationToken);
            logger.LogInformation("Answered a paid (or delivered) {Method} request after holding it {Hold}", method, options.Value.TimeoutAfterPayHold);
            return true;
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("The client gave up on a paid (or delivered) {Method} request, as a timeout after pay intends", method);
            return false;
        }
    }
}

public enum Outcome
{
    Pay,
    PayThenTimeOut,

    /// <summary>Card only: the refund is made but answered (and for a while read back) as pending.</summary>
    PayPending,

    /// <summary>Card only: the refund succeeds, then fails after StandIn:LateFailAfter (the money comes back) and a webhook says so.</summary>
    PayThenFailLater,
    FailRetryable,
    Decline,
}

/// <param name="Variant">0 or 1: picks which of a provider's two answers for the outcome it gives (500 or 429, …).</param>
public sealed record FaultRoll(Outcome Outcome, int Variant);
