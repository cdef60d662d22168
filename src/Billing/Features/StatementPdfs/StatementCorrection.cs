namespace Billing.Features.StatementPdfs;

/// <summary>
/// What a re-issued statement tells its holder about itself: that it is a corrected version, and of the statement issued
/// when. The reason support gave stays inside (it is staff's note, not the holder's text).
/// </summary>
/// <param name="Version">2 for the first correction, and so on.</param>
/// <param name="ReplacesIssuedOn">The date (UTC) the version it corrects was issued.</param>
public sealed record StatementCorrection(int Version, DateOnly ReplacesIssuedOn);
