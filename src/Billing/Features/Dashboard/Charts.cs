using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Html;

namespace Billing.Features.Dashboard;

/// <summary>Horizontal bar charts as inline SVG, drawn on the server: no chart library, nothing to download.</summary>
public static class Charts
{
    const int Row = 22, LabelWidth = 190, BarWidth = 360;

    public static IHtmlContent Bars(string title, IEnumerable<(string Label, int Value)> bars)
    {
        var items = bars.ToList();
        if (items.Count == 0)
            return new HtmlString($"<p class=\"muted\">{WebUtility.HtmlEncode(title)}: nothing yet.</p>");
        var max = Math.Max(1, items.Max(b => b.Value));
        var height = items.Count * Row + 4;
        var svg = new System.Text.StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\" viewBox=\"0 0 {LabelWidth + BarWidth + 60} {height}\" width=\"{LabelWidth + BarWidth + 60}\" height=\"{height}\">");
        for (var i = 0; i < items.Count; i++)
        {
            var (label, value) = items[i];
            var y = i * Row + 2;
            var width = Math.Max(1, (int)Math.Round(BarWidth * (double)value / max));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 6}\" y=\"{y + 15}\" text-anchor=\"end\">{WebUtility.HtmlEncode(label)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{width}\" height=\"{Row - 6}\"><title>{WebUtility.HtmlEncode(label)}: {value}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + width + 6}\" y=\"{y + 15}\">{value}</text>");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }
}
