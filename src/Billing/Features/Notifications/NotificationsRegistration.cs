using System.Net.Http.Headers;
using System.Text;
using MimeKit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Billing.Features.Notifications;

public static class NotificationsRegistration
{
    /// <summary>
    /// The statement channels: <see cref="ISmsSender"/> (Twilio's Messages API), <see cref="IWhatsAppSender"/> (WhatsApp
    /// Cloud API) as typed HTTP clients, and <see cref="IStatementMailer"/> (SMTP), configured from
    /// <c>Notifications:Sms</c>, <c>:WhatsApp</c> and <c>:Email</c> and checked at start. Pointing at the real providers is
    /// configuration only: base URLs and credentials come from there.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        const string sms = SmsOptions.Section, whatsApp = WhatsAppOptions.Section, email = EmailOptions.Section;

        services.AddOptions<SmsOptions>()
            .Bind(configuration.GetSection(sms))
            .Validate(o => IsHttpUrl(o.BaseUrl), $"{sms}:BaseUrl must be an absolute http(s) URL.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.AccountSid), $"{sms}:AccountSid is required (the Twilio account, AC...).")
            .Validate(o => !string.IsNullOrWhiteSpace(o.AuthToken), $"{sms}:AuthToken is required.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.From) || !string.IsNullOrWhiteSpace(o.MessagingServiceSid),
                $"{sms}:From or {sms}:MessagingServiceSid is required.")
            .Validate(o => o.Timeout > TimeSpan.Zero, $"{sms}:Timeout must be positive.")
            .ValidateOnStart();
        services.AddOptions<WhatsAppOptions>()
            .Bind(configuration.GetSection(whatsApp))
            .Validate(o => IsHttpUrl(o.BaseUrl), $"{whatsApp}:BaseUrl must be an absolute http(s) URL.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Version), $"{whatsApp}:Version is required (e.g. v21.0).")
            .Validate(o => o.PhoneNumberId.Length > 0 && o.PhoneNumberId.All(char.IsAsciiDigit),
                $"{whatsApp}:PhoneNumberId is required (the business phone number's id, digits).")
            .Validate(o => !string.IsNullOrWhiteSpace(o.AccessToken), $"{whatsApp}:AccessToken is required.")
            .Validate(o => o.Mode != WhatsAppMode.Template || (!string.IsNullOrWhiteSpace(o.TemplateName) && !string.IsNullOrWhiteSpace(o.TemplateLanguage)),
                $"{whatsApp}:TemplateName and {whatsApp}:TemplateLanguage are required in template mode.")
            .Validate(o => o.Timeout > TimeSpan.Zero, $"{whatsApp}:Timeout must be positive.")
            .ValidateOnStart();
        services.AddOptions<EmailOptions>()
            .Bind(configuration.GetSection(email))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Host) && o.Port is > 0 and < 65536, $"{email}:Host and {email}:Port must name the SMTP server.")
            .Validate(o => MailboxAddress.TryParse(o.From, out var from) && from.Domain.Length > 0, $"{email}:From must be an e-mail address.")
            .Validate(o => string.IsNullOrWhiteSpace(o.ReplyTo) || MailboxAddress.TryParse(o.ReplyTo, out _), $"{email}:ReplyTo must be an e-mail address.")
            .Validate(o => o.Timeout > TimeSpan.Zero, $"{email}:Timeout must be positive.")
            .Validate(o => o.MaxConnections >= 0 && o.MaxMessagesPerConnection > 0, $"{email}:MaxConnections must not be negative, MaxMessagesPerConnection positive.")
            .ValidateOnStart();

        // No resilience handler: a send must not be retried behind the caller's back; the caller retries with the same key.
        services.AddHttpClient<ISmsSender, TwilioSmsSender>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<SmsOptions>>().Value;
            Configure(http, o.BaseUrl!, o.Timeout);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.AccountSid}:{o.AuthToken}")));
        });
        services.AddHttpClient<IWhatsAppSender, WhatsAppCloudSender>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<WhatsAppOptions>>().Value;
            Configure(http, o.BaseUrl!, o.Timeout);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o.AccessToken);
        });

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SmtpSessionPool>();
        services.AddSingleton<IStatementMailer, MailKitStatementMailer>();
        return services;
    }

    static bool IsHttpUrl(Uri? url) => url is { IsAbsoluteUri: true, Scheme: "http" or "https" };

    static void Configure(HttpClient http, Uri baseUrl, TimeSpan timeout)
    {
        // The adapters use relative paths, so a BaseUrl with a path prefix keeps it only with a trailing slash.
        http.BaseAddress = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        http.Timeout = timeout;
    }
}
