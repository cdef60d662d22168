namespace Billing.Features.StatementPdfs;

/// <summary>Section <c>Statements:Pdf</c>: how statements are printed by Chromium.</summary>
public sealed class StatementPdfOptions
{
    public const string Section = "Statements:Pdf";

    /// <summary>
    /// <c>batched</c> (default): concurrent renders are collected into one Chromium print of up to <see cref="BatchSize"/>
    /// statements and split back per statement. <c>page</c>: one print per statement on a reused page.
    /// </summary>
    public string Mode { get; set; } = StatementPdfModes.Batched;

    public int BatchSize { get; set; } = 20;

    /// <summary>How long a batch waits for more statements once its first arrived; a lone render pays this once.</summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Pages (tabs) printing at once, across all browsers; a caller beyond them waits.</summary>
    public int Pages { get; set; } = Environment.ProcessorCount;

    /// <summary>Browser processes the pages are spread over; one is enough unless a crash should take fewer renders along.</summary>
    public int Browsers { get; set; } = 1;

    /// <summary>One print (a statement or a whole batch) may take this long before it throws <see cref="TimeoutException"/>.</summary>
    public TimeSpan RenderTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a print is tried again when its browser or page died under it.</summary>
    public int RenderAttempts { get; set; } = 3;

    /// <summary>A browser is replaced after this many prints (Chromium's memory creeps with long-lived renderers).</summary>
    public int RecycleAfterRenders { get; set; } = 5_000;

    /// <summary>…or when the memory of its whole process tree (proportional: shared pages split between processes) passes this.</summary>
    public int RecycleAboveMegabytes { get; set; } = 1_024;

    /// <summary>Tagged (accessible) PDFs are 2–10× larger; off unless a regulator asks for them.</summary>
    public bool Tagged { get; set; }

    /// <summary>
    /// The system's Chromium; a browser is never downloaded. The headless shell (Debian's <c>chromium-headless-shell</c>)
    /// by default: the old headless is a thin wrapper around the renderer and prints several times faster than the full
    /// browser that <c>--headless=new</c> runs. The full <c>/usr/bin/chromium</c> still works with <see cref="Headless"/> <c>new</c>.
    /// </summary>
    public string ChromiumPath { get; set; } = "/usr/bin/chromium-headless-shell";

    /// <summary><c>shell</c> (default, for the headless shell) or <c>new</c> (the full browser's headless mode).</summary>
    public string Headless { get; set; } = ChromiumHeadless.Shell;

    // Where the PDFs are kept (Store, Directory, S3) is read from this section too: Storage/StatementPdfStoreOptions.cs.
}

public static class ChromiumHeadless
{
    public const string Shell = "shell";
    public const string New = "new";

    public static bool IsKnown(string? mode) => mode is Shell or New;
}

public static class StatementPdfModes
{
    public const string Batched = "batched";
    public const string Page = "page";
}

/// <summary>Section <c>Statements:Issuer</c>: who sends the statement and where the holder pays.</summary>
public sealed class StatementIssuerOptions
{
    public const string Section = "Statements:Issuer";

    public string Name { get; set; } = "Billing Bank AB";
    // Empty here: the binder appends configured array items to a default array instead of replacing it.
    public string[] Address { get; set; } = [];
    public string Phone { get; set; } = "+46 8 123 456 00";
    public string Web { get; set; } = "billing.example";

    /// <summary>The account the holder pays into, quoted with the payment reference.</summary>
    public string PaymentAccount { get; set; } = "Bankgiro 5050-1055";
}
