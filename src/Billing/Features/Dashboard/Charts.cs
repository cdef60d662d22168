using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Html;

namespace Billing.Features.Dashboard;

/// <summary>One bar: its label and value, where a click on it goes (the list it counts), and its kind (a CSS class: sent, skipped, failed…).</summary>
public sealed record Bar(string Label, int Value, string? Href = null, string? Kind = null);

/// <summary>Horizontal bar charts as inline SVG, drawn on the server: no chart library, nothing to download.</summary>
public static class Charts
{
    const int Row = 22, LabelWidth = 190, BarWidth = 360;

    public static IHtmlContent Bars(string title, IEnumerable<(string Label, int Value)> bars) =>
        Bars(title, bars.Select(b => new Bar(b.Label, b.Value)));

    /// <summary>
    /// The chart scales to its panel (a viewBox and width 100%), so a phone shows it whole; a bar with a link is one
    /// link over its label and bar.
    /// </summary>
    public static IHtmlContent Bars(string title, IEnumerable<Bar> bars)
    {
        var items = bars.ToList();
        if (items.Count == 0)
            return new HtmlString($"<p class=\"muted\">{WebUtility.HtmlEncode(title)}: nothing yet.</p>");
        var max = Math.Max(1, items.Max(b => b.Value));
        var height = items.Count * Row + 4;
        var svg = new System.Text.StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\" viewBox=\"0 0 {LabelWidth + BarWidth + 60} {height}\" preserveAspectRatio=\"xMinYMin meet\">");
        for (var i = 0; i < items.Count; i++)
        {
            var bar = items[i];
            var (label, value) = (WebUtility.HtmlEncode(bar.Label), Figures.Count(bar.Value));
            var y = i * Row + 2;
            var width = Math.Max(1, (int)Math.Round(BarWidth * (double)bar.Value / max));
            if (bar.Href is { } href)
                svg.Append(CultureInfo.InvariantCulture, $"<a href=\"{WebUtility.HtmlEncode(href)}\">");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 6}\" y=\"{y + 15}\" text-anchor=\"end\">{label}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{WebUtility.HtmlEncode(bar.Kind ?? "")}\" x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{width}\" height=\"{Row - 6}\"><title>{label}: {value}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + width + 6}\" y=\"{y + 15}\">{value}</text>");
            if (bar.Href is not null)
                svg.Append("</a>");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }
}
