namespace Billing.Features.Support;

/// <summary>Section <c>Support</c>: who support mail comes from and goes to, and the SMTP server that takes it.</summary>
public sealed class SupportMailOptions
{
    public const string Section = "Support";

    public string From { get; set; } = "";
    public string To { get; set; } = "";
    public SmtpOptions Smtp { get; set; } = new();

    public sealed class SmtpOptions
    {
        public string Host { get; set; } = "127.0.0.1";
        public int Port { get; set; } = 2525;
        public bool EnableSsl { get; set; }

        /// <summary>Leave empty for a server that takes mail without logging in (the local mail sink).</summary>
        public string? UserName { get; set; }

        public string? Password { get; set; }

        /// <summary>How long one send may take before it is abandoned.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    }
}
