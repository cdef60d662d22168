using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace Billing.Providers.StandIn.Sms;

/// <summary>
/// Twilio's "list Messages": <c>GET /2010-04-01/Accounts/{AccountSid}/Messages.json</c> filtered by <c>To</c>, <c>From</c>,
/// <c>DateSent</c>, <c>DateSent&lt;</c> (on or before) and <c>DateSent&gt;</c> (on or after), each date either a day
/// (<c>YYYY-MM-DD</c>, UTC) or an instant (<c>YYYY-MM-DDTHH:mm:ssZ</c>, as the official SDK writes it), newest first,
/// paged by <c>PageSize</c> (50 by default, at most 1,000) with Twilio's page fields (<c>page</c>, <c>page_size</c>,
/// <c>start</c>, <c>end</c>, <c>uri</c>, <c>first_page_uri</c>, <c>next_page_uri</c>, <c>previous_page_uri</c>). The
/// next page's URI carries a <c>PageToken</c> naming the last message of this page, so messages arriving in between do
/// not shift the pages.
/// </summary>
public static class MessageList
{
    const int DefaultPageSize = 50;
    const int MaxPageSize = 1000;

    public static IResult Read(string accountSid, HttpContext http, SmsBook book)
    {
        var query = http.Request.Query;
        string? Text(string name) => query.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v.ToString() : null;

        var to = Text("To");
        var from = Text("From");
        var filters = new List<Func<DateTimeOffset, bool>>();
        foreach (var (name, test) in new (string, Func<DateTimeOffset, DateRange, bool>)[]
                 {
                     ("DateSent", (sent, d) => sent >= d.From && sent <= d.To),
                     ("DateSent>", (sent, d) => sent >= d.From),
                     ("DateSent<", (sent, d) => sent <= d.To),
                 })
        {
            if (Text(name) is not { } value)
                continue;
            if (DateRange.Parse(value) is not { } range)
                return TwilioErrors.InvalidParameter(name, value).ToResult();
            filters.Add(sent => test(sent, range));
        }

        var pageSize = DefaultPageSize;
        if (Text("PageSize") is { } size && (!int.TryParse(size, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
            return TwilioErrors.InvalidParameter("PageSize", size).ToResult();
        var page = 0;
        if (Text("Page") is { } p && (!int.TryParse(p, CultureInfo.InvariantCulture, out page) || page < 0))
            return TwilioErrors.InvalidParameter("Page", p).ToResult();

        var all = book.List(accountSid, (m, sent) => (to is null || m.To == to) && (from is null || m.From == from) && filters.All(f => f(sent)));
        var start = page * pageSize;
        if (Text("PageToken") is { } token)
        {
            var after = token.StartsWith("PA", StringComparison.Ordinal) ? token[2..] : token;
            var index = all.ToList().FindIndex(m => m.Sid == after);
            if (index < 0)
                return TwilioErrors.InvalidParameter("PageToken", token).ToResult();
            start = index + 1;
        }

        var messages = all.Skip(start).Take(pageSize).ToList();
        var path = $"/2010-04-01/Accounts/{accountSid}/Messages.json";
        var kept = new Dictionary<string, string?>();
        foreach (var name in new[] { "To", "From", "DateSent", "DateSent>", "DateSent<" })
            if (Text(name) is { } value)
                kept[name] = value;
        string Uri(int n, string? pageToken)
        {
            var parameters = new Dictionary<string, string?>(kept) { ["PageSize"] = pageSize.ToString(CultureInfo.InvariantCulture), ["Page"] = n.ToString(CultureInfo.InvariantCulture) };
            if (pageToken is not null)
                parameters["PageToken"] = pageToken;
            return QueryHelpers.AddQueryString(path, parameters);
        }

        var more = start + messages.Count < all.Count;
        var body = new TwilioMessagePage
        {
            Messages = messages,
            Page = page,
            PageSize = pageSize,
            Start = start,
            End = Math.Max(start, start + messages.Count - 1),
            Uri = Uri(page, Text("PageToken")),
            FirstPageUri = Uri(0, null),
            NextPageUri = more ? Uri(page + 1, "PA" + messages[^1].Sid) : null,
            PreviousPageUri = page > 0 ? Uri(page - 1, null) : null,
        };
        return Results.Json(body, TwilioAnswer.Json);
    }

    /// <summary>A day (midnight to the last tick, UTC) or one instant.</summary>
    readonly record struct DateRange(DateTimeOffset From, DateTimeOffset To)
    {
        public static DateRange? Parse(string value)
        {
            if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                return new DateRange(start, start.AddDays(1).AddTicks(-1));
            }

            return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? new DateRange(at, at)
                : null;
        }
    }
}

/// <summary>One page of Twilio's message list, in its v2010 shape.</summary>
public sealed record TwilioMessagePage
{
    public required IReadOnlyList<TwilioMessage> Messages { get; init; }
    public required int Page { get; init; }
    public required int PageSize { get; init; }
    public required int Start { get; init; }
    public required int End { get; init; }
    public required string Uri { get; init; }
    public required string FirstPageUri { get; init; }
    public string? NextPageUri { get; init; }
    public string? PreviousPageUri { get; init; }
}
