namespace Billing.Hosting;

/// <summary>The parts of the work a worker process can be started for; see docs/operations.md, "Worker roles".</summary>
[Flags]
public enum WorkerRole
{
    /// <summary>The billing saga and its steps, the run's start and fan-out, and the self-check consumers.</summary>
    Billing = 1,

    /// <summary>The statement-pdf endpoint (with its render-ahead filter) and the Chromium pool behind it.</summary>
    Pdf = 2,

    /// <summary>The SMS, e-mail and WhatsApp endpoints and their providers' clients.</summary>
    Delivery = 4,

    /// <summary>The refund saga, its lanes, the reconciler's, support mail's and the paid-twice alarm's consumers.</summary>
    Refunds = 8,

    /// <summary>The consumers that book refunds' outcomes in the passbook and cut excesses back to a lowered credit.</summary>
    Passbook = 16,

    /// <summary>The Hangfire server (recurring jobs) and the sweeps that send lost work again.</summary>
    Jobs = 32,
}

/// <summary>
/// The roles one worker runs: all of them unless <c>--only</c> / <c>--except</c> (or <c>Worker:Only</c> /
/// <c>Worker:Except</c>) say otherwise. Every worker, whatever its roles, runs the messaging infrastructure (the scheduler's
/// queue, the outbox delivery, the broker watchdog), since each role's consumers schedule and send through it.
/// </summary>
public sealed record WorkerRoles(WorkerRole Enabled)
{
    public const string Section = "Worker";

    public static readonly IReadOnlyList<WorkerRole> Each = Enum.GetValues<WorkerRole>();

    public static readonly WorkerRoles All = new(Each.Aggregate((a, b) => a | b));

    /// <summary>The names the flags and settings take, in the order the roles are listed.</summary>
    public static IEnumerable<string> ValidNames => Each.Select(Name);

    public bool Has(WorkerRole role) => (Enabled & role) == role;

    public IEnumerable<string> Names => Each.Where(Has).Select(Name);

    public override string ToString() => string.Join(",", Names);

    static string Name(WorkerRole role) => role.ToString().ToLowerInvariant();

    /// <summary>
    /// The roles <paramref name="only"/> names, or all but those <paramref name="except"/> names, or all when neither is
    /// given. Each value may list several roles, comma-separated.
    /// </summary>
    /// <exception cref="WorkerRolesException">Both given, a name that is no role, or no role left.</exception>
    public static WorkerRoles Select(IReadOnlyCollection<string>? only, IReadOnlyCollection<string>? except,
        string onlyName = "--only", string exceptName = "--except")
    {
        if (only is { Count: > 0 } && except is { Count: > 0 })
            throw new WorkerRolesException($"{onlyName} and {exceptName} cannot be used together: name the roles to run, or the ones to leave out.");
        if (only is { Count: > 0 })
            return new WorkerRoles(Parse(only, onlyName));
        if (except is { Count: > 0 })
            return NotEmpty(new WorkerRoles(All.Enabled & ~Parse(except, exceptName)), exceptName);
        return All;
    }

    /// <summary><c>Worker:Only</c> and <c>Worker:Except</c> (<c>Worker__Only=pdf</c> in the environment), comma-separated.</summary>
    public static WorkerRoles FromConfiguration(IConfiguration configuration) =>
        Select(Values(configuration[$"{Section}:Only"]), Values(configuration[$"{Section}:Except"]), $"{Section}:Only", $"{Section}:Except");

    static string[] Values(string? setting) => string.IsNullOrWhiteSpace(setting) ? [] : [setting];

    static WorkerRole Parse(IEnumerable<string> values, string flag)
    {
        var names = values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (names.Count == 0)
            throw new WorkerRolesException($"{flag} names no role. {Valid}");
        var roles = default(WorkerRole);
        foreach (var name in names)
        {
            var role = Each.FirstOrDefault(r => string.Equals(Name(r), name, StringComparison.OrdinalIgnoreCase));
            if (role == default)
                throw new WorkerRolesException($"{flag}: '{name}' is not a worker role. {Valid}");
            roles |= role;
        }

        return roles;
    }

    static WorkerRoles NotEmpty(WorkerRoles roles, string exceptName) =>
        roles.Enabled == default ? throw new WorkerRolesException($"{exceptName} leaves the worker no role to run. {Valid}") : roles;

    static string Valid => $"Valid roles: {string.Join(", ", ValidNames)}.";
}

/// <summary>Roles asked for that cannot be run; the message names the valid ones.</summary>
public sealed class WorkerRolesException(string message) : Exception(message);
