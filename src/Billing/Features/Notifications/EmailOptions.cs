namespace Billing.Features.Notifications;

/// <summary>Section <c>Notifications:Email</c>: who statement mail comes from and the SMTP server that takes it.</summary>
public sealed class EmailOptions
{
    public const string Section = "Notifications:Email";

    /// <summary>The SMTP server; the default is the local mail sink that <c>scripts/stack.sh up</c> starts.</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 2525;

    /// <summary>TLS from the first byte (port 465); otherwise STARTTLS where the server offers it.</summary>
    public bool EnableSsl { get; set; }

    /// <summary>Leave empty for a server that takes mail without logging in (the local mail sink).</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender's address; its domain also ends every Message-ID.</summary>
    public string From { get; set; } = "";

    public string? FromName { get; set; }

    /// <summary>Where replies go (a monitored mailbox), when the From address is not one.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>How long one send (connecting included) may take before it is given up as Retryable.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Connected SMTP sessions kept for reuse, at most this many sends at once; 0 connects and quits for every mail.
    /// A connect (and a TLS handshake and login against a real server) costs more than the mail itself.
    /// </summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>A session idle longer than this is closed instead of reused: servers drop idle sessions (Postfix after 300 s).</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Mails per session before it is closed and a new one opened; many servers cap a session's messages.</summary>
    public int MaxMessagesPerConnection { get; set; } = 100;
}
