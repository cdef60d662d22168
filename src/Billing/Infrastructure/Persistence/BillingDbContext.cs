using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Persistence;

/// <summary>
/// The one EF Core model of the service: every feature's saga and entity maps, plus the messaging tables,
/// so a consumer's changes, its saga row and its outgoing messages commit in one transaction.
/// The schema itself comes from migrations/, never from EF.
/// </summary>
public class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddPostgresMessaging();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BillingDbContext).Assembly);
        modelBuilder.UseSnakeCaseNames();
    }
}
