namespace Billing.Features.Access;

public enum ActionKind { Accepted, Invalid, NotFound, Conflict }

/// <summary>
/// What a support or operator action answered, the same for the REST endpoint and the dashboard's button: accepted
/// (the saga carries it out), or refused with a reason and nothing changed.
/// </summary>
public sealed record ActionOutcome(ActionKind Kind, string Title, string? Detail = null, IDictionary<string, string[]>? Errors = null,
    object? Body = null, string? Location = null)
{
    public bool IsAccepted => Kind == ActionKind.Accepted;

    public static ActionOutcome Accepted(string location, object body) => new(ActionKind.Accepted, "Accepted", Body: body, Location: location);

    public static ActionOutcome Invalid(IDictionary<string, string[]> errors, string title = "The request is not valid; nothing was changed.") =>
        new(ActionKind.Invalid, title, Errors: errors);

    public static ActionOutcome NotFound(string title, string detail) => new(ActionKind.NotFound, title, detail);

    public static ActionOutcome Conflict(string title, string detail) => new(ActionKind.Conflict, title, detail);

    /// <summary>The one line a page shows for it.</summary>
    public string Message => Kind switch
    {
        ActionKind.Invalid => string.Join(" ", Errors?.SelectMany(e => e.Value) ?? []),
        _ => Detail ?? Title,
    };

    public IResult ToResult() => Kind switch
    {
        ActionKind.Accepted => Results.Accepted(Location, Body),
        ActionKind.Invalid => Results.ValidationProblem(Errors ?? new Dictionary<string, string[]>(), title: Title),
        ActionKind.NotFound => Results.Problem(Detail, statusCode: StatusCodes.Status404NotFound, title: Title),
        _ => Results.Problem(Detail, statusCode: StatusCodes.Status409Conflict, title: Title),
    };
}
