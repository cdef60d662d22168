using Billing.Providers.StandIn;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProviderStandIn(builder.Configuration);

var app = builder.Build();
app.MapProviderStandIn();
await app.RunAsync();
