using Billing.Features.Diagnostics;
using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Messaging.Sagas;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Messaging;

public class SagaRegistrationTests
{
    [Fact]
    public void Every_saga_kept_by_the_postgres_repository_is_known_to_the_outbox_by_the_name_it_is_configured_under()
    {
        // The outbox takes a first delivery optimistically only for these names (OutboxConsumeOptions.ConsumerType): a saga
        // missing here would lose the fast path silently, a consumer wrongly here could run twice for a duplicate.
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddPostgresMessaging<BillingDbContext>();
            x.AddDiagnostics();
        });

        var names = services.BuildServiceProvider().GetServices<PostgresSagaType>().Select(s => s.ShortName).ToList();

        names.ShouldBe([MassTransit.Metadata.TypeMetadataCache<TallyState>.ShortName]);
    }
}
