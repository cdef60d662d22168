namespace Billing.Features.Support;

/// <summary>Sends e-mail to the support team (the <c>Support:To</c> address).</summary>
public interface ISupportMailer
{
    Task SendAsync(SupportMail mail, CancellationToken cancellationToken);
}
