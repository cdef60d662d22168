using System.CommandLine;
using Billing.Cli;
using Billing.Cli.BillingRuns;

var root = new RootCommand("Billing: billing runs and refunds on MassTransit sagas, RabbitMQ and Postgres.")
{
    RunCommands.Api(),
    RunCommands.Worker(),
    RunCommands.Migrate(),
    DemoCommand.Create(),
    BillCommand.Create(),
    AccountCommands.Import(),
    AccountCommands.Generate(),
    AccessCommands.Users(),
    AccessCommands.Keys(),
};

return await root.Parse(args).InvokeAsync();
