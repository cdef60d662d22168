using Billing.Infrastructure.Postgres;

namespace Billing.Tests.Postgres;

public class SnakeCaseNamingTests
{
    [Theory]
    [InlineData("CorrelationId", "correlation_id")]
    [InlineData("CurrentState", "current_state")]
    [InlineData("MessageID", "message_id")]
    [InlineData("HTTPStatusCode", "http_status_code")]
    [InlineData("Body", "body")]
    public void Property_names_become_the_column_names_the_migrations_use(string property, string column) =>
        SnakeCaseNaming.ToSnakeCase(property).ShouldBe(column);
}
