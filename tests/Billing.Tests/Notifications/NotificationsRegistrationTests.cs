using Billing.Features.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Notifications;

public sealed class NotificationsRegistrationTests
{
    [Theory]
    [InlineData("Sms:AccountSid", "Notifications:Sms:AccountSid is required")]
    [InlineData("Sms:AuthToken", "Notifications:Sms:AuthToken is required")]
    [InlineData("Sms:BaseUrl", "Notifications:Sms:BaseUrl must be an absolute http(s) URL")]
    [InlineData("WhatsApp:AccessToken", "Notifications:WhatsApp:AccessToken is required")]
    [InlineData("WhatsApp:PhoneNumberId", "Notifications:WhatsApp:PhoneNumberId is required")]
    [InlineData("Email:From", "Notifications:Email:From must be an e-mail address")]
    public void A_missing_setting_is_named_when_the_options_are_checked(string setting, string message)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Notifications:Sms:AccountSid"] = "AC1",
            ["Notifications:Sms:AuthToken"] = "token",
            ["Notifications:Sms:From"] = "+46766861004",
            ["Notifications:WhatsApp:PhoneNumberId"] = "1234567890",
            ["Notifications:WhatsApp:AccessToken"] = "token",
            ["Notifications:Email:From"] = "statements@billing.local",
            [$"Notifications:{setting}"] = "",
        };
        using var services = new ServiceCollection().AddLogging()
            .AddNotifications(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build()).BuildServiceProvider();

        // What ValidateOnStart runs when the host starts.
        var failure = Should.Throw<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<SmsOptions>>().Value;
            _ = services.GetRequiredService<IOptions<WhatsAppOptions>>().Value;
            _ = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        });
        failure.Message.ShouldContain(message);
    }

    [Fact]
    public void The_service_settings_in_appsettings_json_are_valid_and_point_at_the_stand_in()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        using var services = new ServiceCollection().AddLogging().AddNotifications(configuration).BuildServiceProvider();

        services.GetRequiredService<IOptions<SmsOptions>>().Value.BaseUrl.ShouldBe(new Uri("http://127.0.0.1:5090"));
        services.GetRequiredService<IOptions<WhatsAppOptions>>().Value.Mode.ShouldBe(WhatsAppMode.Template);
        services.GetRequiredService<IOptions<EmailOptions>>().Value.Port.ShouldBe(2525);
    }
}
