namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// The sagas kept by the Postgres repository, by MassTransit's short type name (what the outbox knows a consumer by).
/// A saga's every effect is in its consume transaction, so the outbox may run a first delivery before it knows whether
/// the message is new (<see cref="Outbox.PostgresOutboxContextFactory{TDbContext}"/>).
/// </summary>
public sealed record PostgresSagaType(string ShortName);
