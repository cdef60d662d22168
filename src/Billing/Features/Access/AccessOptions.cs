namespace Billing.Features.Access;

/// <summary>Section <c>Access</c>: how logins behave.</summary>
public sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>Wrong passwords in a row that lock an account.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a login lasts without use (the cookie slides while it is used).</summary>
    public TimeSpan Session { get; set; } = TimeSpan.FromHours(8);
}
