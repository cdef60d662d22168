using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Features.Refunds.Saga;

public class RefundStateMap : IEntityTypeConfiguration<RefundState>
{
    public void Configure(EntityTypeBuilder<RefundState> builder)
    {
        builder.ToTable("refund", "refunds");
        builder.HasKey(x => x.CorrelationId);
        builder.Property(x => x.CurrentState).HasMaxLength(32);
        builder.Property(x => x.Amount).HasPrecision(19, 4);
    }
}

public class RefundAttemptRecordMap : IEntityTypeConfiguration<RefundAttemptRecord>
{
    public void Configure(EntityTypeBuilder<RefundAttemptRecord> builder)
    {
        builder.ToTable("refund_attempt", "refunds");
        builder.HasKey(x => new { x.RefundId, x.AttemptNumber });
    }
}
