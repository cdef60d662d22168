using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Features.BillingRuns.Saga;

public class AccountBillingMap : IEntityTypeConfiguration<AccountBillingState>
{
    public void Configure(EntityTypeBuilder<AccountBillingState> builder)
    {
        builder.ToTable("account_billing", "billing");
        builder.HasKey(x => x.CorrelationId);
        builder.Property(x => x.CurrentState).HasMaxLength(32);
        builder.Property(x => x.AccountId).HasMaxLength(64);
        builder.Property(x => x.Step).HasMaxLength(32);
        builder.Property(x => x.HaltReason).HasMaxLength(64);
        builder.Property(x => x.HaltDetail).HasMaxLength(1000);
        builder.Property(x => x.Delivery).HasMaxLength(200);
        builder.Property(x => x.DeliveryOutcome).HasMaxLength(16);
    }
}
