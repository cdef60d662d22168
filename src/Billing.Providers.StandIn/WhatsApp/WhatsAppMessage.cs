using System.Text.Json;
using System.Text.RegularExpressions;
using Billing.Providers.StandIn.Control;

namespace Billing.Providers.StandIn.WhatsApp;

/// <summary>A validated message: one of text, document or template, to a phone number.</summary>
public sealed partial record WhatsAppMessage(string To, string Type, string? Body, MessageDocument? Document, MessageTemplate? Template, string Fingerprint)
{
    static readonly string[] Types = ["text", "document", "template"];

    /// <summary>The recipient's WhatsApp id: the number's digits, as the API answers it.</summary>
    public string WaId => To.TrimStart('+');

    public static (WhatsAppMessage? Message, GraphAnswer? Error) Parse(WhatsAppMessageRequest request)
    {
        if (request.MessagingProduct != "whatsapp")
            return (null, GraphErrors.InvalidParameter("The parameter messaging_product is required and must be 'whatsapp'."));
        if (request.To is not { } to || !PhoneNumber().IsMatch(to))
            return (null, GraphErrors.InvalidParameter($"The parameter to must be a phone number in international format; got '{request.To}'."));
        var type = request.Type ?? "text";
        if (!Types.Contains(type))
            return (null, GraphErrors.InvalidParameter($"The parameter type must be one of {string.Join(", ", Types)}."));

        var fingerprint = JsonSerializer.Serialize(request);
        switch (type)
        {
            case "text" when request.Text?.Body is { Length: > 0 } body:
                return (new WhatsAppMessage(to, type, body, null, null, fingerprint), null);
            case "text":
                return (null, GraphErrors.InvalidParameter("The parameter text['body'] is required."));
            case "document" when request.Document is { } d && (d.Id is { Length: > 0 } || Uri.TryCreate(d.Link, UriKind.Absolute, out _)):
                return (new WhatsAppMessage(to, type, d.Caption, new MessageDocument(d.Id, d.Link, d.Filename), null, fingerprint), null);
            case "document":
                return (null, GraphErrors.InvalidParameter("The parameter document requires an id or an absolute link."));
            case "template" when request.Template is { Name: { Length: > 0 } name, Language.Code: { Length: > 0 } code }:
                return (new WhatsAppMessage(to, type, null, HeaderDocument(request.Template.Components), new MessageTemplate(name, code),
                    fingerprint), null);
            default:
                return (null, GraphErrors.InvalidParameter("The parameter template requires name and language['code']."));
        }
    }

    /// <summary>A template's header document (components[type=header].parameters[type=document].document), kept in the ledger.</summary>
    static MessageDocument? HeaderDocument(JsonElement? components)
    {
        if (components is not { ValueKind: JsonValueKind.Array } list)
            return null;
        foreach (var component in list.EnumerateArray())
        {
            if (component.ValueKind != JsonValueKind.Object || Text(component, "type") != "header"
                || !component.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Array)
                continue;
            foreach (var parameter in parameters.EnumerateArray())
                if (parameter.ValueKind == JsonValueKind.Object && Text(parameter, "type") == "document"
                    && parameter.TryGetProperty("document", out var document) && document.ValueKind == JsonValueKind.Object)
                    return new MessageDocument(Text(document, "id"), Text(document, "link"), Text(document, "filename"));
        }

        return null;
    }

    static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex(@"^\+?[1-9][0-9]{6,14}$")]
    private static partial Regex PhoneNumber();
}
