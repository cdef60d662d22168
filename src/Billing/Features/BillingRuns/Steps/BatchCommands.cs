using Npgsql;

namespace Billing.Features.BillingRuns.Steps;

static class BatchCommands
{
    /// <summary>A batch command with positional parameters ($1, $2, …) in the order given.</summary>
    public static NpgsqlBatchCommand Of(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
