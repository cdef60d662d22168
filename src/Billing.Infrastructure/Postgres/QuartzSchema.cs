namespace Billing.Infrastructure.Postgres;

/// <summary>Where Quartz's job store lives in our database, and Quartz's own script that creates it.</summary>
public static class QuartzSchema
{
    public const string Name = "quartz";

    /// <summary>Quartz's table prefix: our schema, then Quartz's conventional qrtz_.</summary>
    public const string TablePrefix = Name + "." + UnqualifiedPrefix;

    const string UnqualifiedPrefix = "qrtz_";
    const string ResourceName = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>
    /// The creation script the Quartz assembly carries for Postgres (what its SchemaProvisioning.CreateIfMissing runs),
    /// with our prefix in place. Every statement is CREATE … IF NOT EXISTS, so running it again changes nothing.
    /// </summary>
    public static string CreateScript()
    {
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The Quartz assembly carries no resource '{ResourceName}'; has Quartz renamed it?");
        using var reader = new StreamReader(stream);

        // The script's own placeholders: {0} is the table prefix, {1} the prefix without its schema, for index names.
        return reader.ReadToEnd().Replace("{0}", TablePrefix).Replace("{1}", UnqualifiedPrefix);
    }
}
