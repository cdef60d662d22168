using MassTransit;

namespace Billing.Features.Diagnostics;

public static class DiagnosticsRegistration
{
    /// <summary>The self-check sagas and consumers: the demo, the tests and an operator's smoke test run on them.</summary>
    public static void AddDiagnostics(this IBusRegistrationConfigurator x)
    {
        x.AddSagaStateMachine<TallyStateMachine, TallyState>();
        x.AddConsumer<TallyCompletedConsumer>();
        x.AddConsumer<RedeliveryProbeConsumer, RedeliveryProbeConsumerDefinition>();
        x.AddConsumer<PingConsumer>();
    }
}
