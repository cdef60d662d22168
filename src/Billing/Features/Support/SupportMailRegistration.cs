namespace Billing.Features.Support;

public static class SupportMailRegistration
{
    /// <summary>Registers <see cref="ISupportMailer"/>, sending over SMTP as section <c>Support</c> says.</summary>
    public static IServiceCollection AddSupportMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SupportMailOptions>()
            .Bind(configuration.GetSection(SupportMailOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.From) && !string.IsNullOrWhiteSpace(o.To), "Support:From and Support:To must be set.")
            .ValidateOnStart();
        services.AddSingleton<ISupportMailer, MailKitSupportMailer>();
        return services;
    }
}
