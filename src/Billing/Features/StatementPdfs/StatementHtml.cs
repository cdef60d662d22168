using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementPdfs;

/// <summary>
/// Statements as HTML through the Liquid templates in <c>Templates/</c> (embedded resources). The shell (head and CSS) is
/// separate from the statements' sections, so a pooled page loads the shell once and only its body changes per print.
/// </summary>
sealed class StatementHtml
{
    static readonly FluidParser Parser = new();

    // Every Unicode range stays as text (å, ø, –); only markup characters are escaped.
    static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    readonly IFluidTemplate _statement;
    readonly TemplateOptions _options = new();
    readonly StatementIssuerOptions _issuer;

    public StatementHtml(IOptions<StatementIssuerOptions> issuer)
    {
        _issuer = issuer.Value;
        _options.MemberAccessStrategy.Register<StatementView>();
        _options.MemberAccessStrategy.Register<SummaryView>();
        _options.MemberAccessStrategy.Register<PageView>();
        _options.MemberAccessStrategy.Register<LineView>();
        _options.MemberAccessStrategy.Register<StatementIssuerOptions>();
        _statement = Parse("statement.liquid");
        Shell = Parse("shell.liquid").Render(new TemplateContext(_options), Encoder);
    }

    /// <summary>The document every pooled page starts from: the styles and an empty body.</summary>
    public string Shell { get; }

    /// <summary>The sections (one per printed page) of the statements, in order, to go inside the shell's body.</summary>
    public string Body(IEnumerable<StatementDocument> documents)
    {
        var html = new StringBuilder();
        foreach (var document in documents)
        {
            var context = new TemplateContext(_options);
            context.SetValue("s", StatementViews.From(document, _issuer));
            html.Append(_statement.Render(context, Encoder));
        }

        return html.ToString();
    }

    /// <summary>A whole document for one statement, for printing without the pooled shell.</summary>
    public string Document(StatementDocument document) =>
        Shell.Replace("<body></body>", $"<body>{Body([document])}</body>", StringComparison.Ordinal);

    static IFluidTemplate Parse(string name)
    {
        var assembly = typeof(StatementHtml).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Templates." + name, StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        var source = reader.ReadToEnd();
        return Parser.TryParse(source, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"Statement template {name} does not parse: {error}");
    }
}
