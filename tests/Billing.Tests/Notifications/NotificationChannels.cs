using System.Collections.Concurrent;
using Billing.Features.Notifications;
using Billing.Tests.Providers;
using Billing.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Notifications;

/// <summary>
/// The three channel adapters registered as the service registers them (<c>AddNotifications</c>), the HTTP ones talking to
/// a fresh provider stand-in on a loopback Kestrel port of this test's own (so its faults and ledger are the test's alone),
/// the mailer to the stack's mail sink. Every request body the HTTP adapters send is kept in <see cref="Sent"/>.
/// </summary>
public sealed class NotificationChannels : IAsyncDisposable
{
    readonly ServiceProvider _services;

    /// <param name="settings">Overrides of the <c>Notifications:…</c> settings (e.g. <c>Sms:Timeout</c>).</param>
    public NotificationChannels(IReadOnlyDictionary<string, string>? settings = null)
    {
        StandIn = new StandInHost(onKestrel: true);
        var configuration = new Dictionary<string, string?>
        {
            ["Notifications:Sms:BaseUrl"] = StandIn.BaseAddress.ToString(),
            ["Notifications:Sms:AccountSid"] = StandInHost.AccountSid,
            ["Notifications:Sms:AuthToken"] = StandInHost.AuthToken,
            ["Notifications:Sms:From"] = SmsFrom,
            ["Notifications:WhatsApp:BaseUrl"] = StandIn.BaseAddress.ToString(),
            ["Notifications:WhatsApp:PhoneNumberId"] = StandInHost.PhoneNumberId,
            ["Notifications:WhatsApp:AccessToken"] = StandInHost.WhatsAppToken,
            ["Notifications:WhatsApp:TemplateName"] = "statement_ready",
            ["Notifications:WhatsApp:TemplateLanguage"] = "sv",
            ["Notifications:Email:Host"] = MailSink.Host,
            ["Notifications:Email:Port"] = MailSink.Port.ToString(),
            ["Notifications:Email:From"] = "statements@billing.local",
            ["Notifications:Email:FromName"] = "Billing",
            ["Notifications:Email:ReplyTo"] = "support@billing.local",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            configuration[$"Notifications:{key}"] = value;

        _services = new ServiceCollection()
            .AddLogging()
            .AddNotifications(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(() => new Recorder(Sent)))
            .BuildServiceProvider(validateScopes: true);
    }

    public const string SmsFrom = "+46766861004";

    public StandInHost StandIn { get; }

    public ConcurrentQueue<string> Sent { get; } = new();

    public ISmsSender Sms => _services.GetRequiredService<ISmsSender>();

    public IWhatsAppSender WhatsApp => _services.GetRequiredService<IWhatsAppSender>();

    public IStatementMailer Mailer => _services.GetRequiredService<IStatementMailer>();

    public static StatementNotice Notice(string locale = "sv-SE", string? link = null) => new(
        StatementId: Guid.NewGuid(),
        AccountId: "acc-1001",
        HolderName: "Astrid Lindqvist",
        Locale: locale,
        Currency: "SEK",
        StatementDate: new DateOnly(2026, 3, 1),
        ClosingBalance: 12_345.67m,
        MinimumDue: 1_234.50m,
        DueDate: new DateOnly(2026, 3, 28),
        Link: link ?? $"https://bill.example/s/{Guid.NewGuid():N}"[..34]);

    /// <summary>A unique Swedish mobile number, so nothing another test sent can be mistaken for this one's.</summary>
    public static string Recipient() => $"+4670{Random.Shared.Next(1_000_000, 9_999_999)}";

    public static string Key() => $"statement-{Guid.NewGuid():N}";

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await StandIn.DisposeAsync();
    }

    sealed class Recorder(ConcurrentQueue<string> sent) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is { } content && content.Headers.ContentType?.MediaType == "application/json")
                sent.Enqueue(await content.ReadAsStringAsync(cancellationToken));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
