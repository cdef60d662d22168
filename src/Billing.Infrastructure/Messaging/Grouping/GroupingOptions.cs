using Microsoft.Extensions.Configuration;

namespace Billing.Infrastructure.Messaging.Grouping;

/// <summary>
/// How one endpoint groups its deliveries into shared consume transactions (<c>Messaging:Grouping:{endpoint}</c>).
/// Only for endpoints whose consumers write rows and nothing else: a group holds its transaction open while its members
/// run one after another, so a member that called a provider would hold every neighbour's locks for that call.
/// </summary>
public sealed class EndpointGrouping
{
    public const string Section = "Messaging:Grouping";

    /// <summary>The most deliveries one transaction takes; 1 or less turns grouping off.</summary>
    public int Size { get; set; } = 16;

    /// <summary>
    /// How long a group whose members have all run waits for one more before it commits. Zero commits at once: under
    /// load the endpoint's concurrent deliveries are already queued at the group, and a quiet endpoint pays no delay.
    /// </summary>
    public TimeSpan Wait { get; set; } = TimeSpan.Zero;

    public bool IsOn => Size > 1;

    /// <summary>Every endpoint's grouping from configuration, by endpoint (queue) name.</summary>
    public static IReadOnlyDictionary<string, EndpointGrouping> From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<Dictionary<string, EndpointGrouping>>(o => o.ErrorOnUnknownConfiguration = true)
        ?? [];
}
