using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Features.Diagnostics;

public class TallyStateMap : IEntityTypeConfiguration<TallyState>
{
    public void Configure(EntityTypeBuilder<TallyState> builder)
    {
        builder.ToTable("tally_state", "diagnostics");
        builder.HasKey(x => x.CorrelationId);
        builder.Property(x => x.CurrentState).HasMaxLength(64);
    }
}
