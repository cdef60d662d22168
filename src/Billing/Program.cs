using System.CommandLine;
using Billing.Cli;

var root = new RootCommand("Billing: billing runs and refunds on MassTransit sagas, RabbitMQ and Postgres.")
{
    RunCommands.Api(),
    RunCommands.Worker(),
    RunCommands.Migrate(),
    DemoCommand.Create(),
    Billing.Cli.BillingRuns.BillCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
