namespace Billing.Features.Notifications;

/// <summary>Section <c>Notifications:WhatsApp</c>: the WhatsApp Cloud API that sends statements as documents.</summary>
public sealed class WhatsAppOptions
{
    public const string Section = "Notifications:WhatsApp";

    /// <summary>The Graph API root: <c>https://graph.facebook.com</c> for Meta; the default is the local stand-in.</summary>
    public Uri? BaseUrl { get; set; } = new("http://127.0.0.1:5090");

    /// <summary>The Graph API version in the path, e.g. <c>v21.0</c>.</summary>
    public string Version { get; set; } = "v21.0";

    /// <summary>The business phone number's id (digits), not the number itself.</summary>
    public string PhoneNumberId { get; set; } = "";

    /// <summary>Sent as <c>Authorization: Bearer …</c>; a system user's token. From configuration only.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>The approved template for <see cref="WhatsAppMode.Template"/>: a document header, body parameters {{1}} amount due, {{2}} due date.</summary>
    public string TemplateName { get; set; } = "statement_ready";

    /// <summary>The approved template for a corrected statement (a re-issue): the same header and parameters, its own wording.</summary>
    public string CorrectionTemplateName { get; set; } = "statement_corrected";

    /// <summary>The template's language code as approved (<c>sv</c>, <c>en_GB</c>…).</summary>
    public string TemplateLanguage { get; set; } = "en";

    public WhatsAppMode Mode { get; set; } = WhatsAppMode.Template;

    /// <summary>How long one call waits for its answer; running out is Retryable.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public enum WhatsAppMode
{
    /// <summary>
    /// A template message with the document in its header: the only kind WhatsApp delivers outside a 24-hour customer
    /// service window, so the default for statements, which the business starts.
    /// </summary>
    Template,

    /// <summary>A free-form document message with a caption; delivered only inside an open 24-hour window.</summary>
    Document,
}
