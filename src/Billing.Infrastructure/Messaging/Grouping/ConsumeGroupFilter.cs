using MassTransit;
using MassTransit.Context;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Messaging.Grouping;

/// <summary>
/// Groups one endpoint's concurrent deliveries into shared consume transactions (<see cref="ConsumeGroup{TDbContext}"/>).
/// It sits inside the endpoint's retries and outside the outbox: a member carries the group's service scope as a
/// payload, so MassTransit's outbox, consumer and saga factories take that scope instead of creating one per message,
/// and the Postgres outbox finds the group's transaction open (<see cref="ConsumeGroupSlot"/>).
/// A message that is being retried or redelivered is consumed alone: it failed once already, perhaps in a group.
/// </summary>
public sealed class ConsumeGroupFilter<TDbContext>(IServiceProvider services, string endpoint, EndpointGrouping grouping) : IFilter<ConsumeContext>
    where TDbContext : DbContext
{
    readonly Lock _gate = new();
    readonly ILogger _logger = services.GetRequiredService<ILogger<ConsumeGroupFilter<TDbContext>>>();
    ConsumeGroup<TDbContext>? _open;

    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0 || context.GetRedeliveryCount() > 0)
        {
            await next.Send(context);
            return;
        }

        var group = Join();
        var committed = await group.Run(() => next.Send(new ConsumeContextScope(context, group.Scope)));
        if (!committed)
            await next.Send(context);
    }

    // The open group takes members until it is full or closes; then the next delivery opens a new one, so several groups
    // (each on its own connection) run side by side when the endpoint's concurrency is larger than a group.
    ConsumeGroup<TDbContext> Join()
    {
        lock (_gate)
        {
            if (_open is { } open && open.TryJoin())
                return open;

            var scope = services.CreateAsyncScope();
            var group = new ConsumeGroup<TDbContext>(scope, grouping, endpoint, _logger);
            scope.ServiceProvider.GetRequiredService<ConsumeGroupSlot>().Group = group;
            group.TryJoin();
            _open = group;
            return group;
        }
    }

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateFilterScope("consumeGroup");
        scope.Add("endpoint", endpoint);
        scope.Add("size", grouping.Size);
        scope.Add("wait", grouping.Wait);
    }
}

/// <summary>Scoped: the group a service scope belongs to, if any. The Postgres outbox asks it whether to commit itself.</summary>
public sealed class ConsumeGroupSlot
{
    internal IConsumeGroup? Group { get; set; }

    public bool InGroup => Group is not null;

    /// <summary>Runs <paramref name="action"/> once the group committed (only ever asked inside a group).</summary>
    public void AfterCommit(Action action) => (Group ?? throw new InvalidOperationException("Not in a consume group.")).AfterCommit(action);
}

interface IConsumeGroup
{
    void AfterCommit(Action action);
}
