using System.CommandLine;
using Billing.Cli;

var root = new RootCommand("Billing: billing runs and refunds on MassTransit sagas, RabbitMQ and Postgres.")
{
    RunCommands.Api(),
    RunCommands.Worker(),
    RunCommands.Migrate(),
    DemoCommand.Create(),
    AccountCommands.Import(),
    AccountCommands.Generate(),
};

return await root.Parse(args).InvokeAsync();
