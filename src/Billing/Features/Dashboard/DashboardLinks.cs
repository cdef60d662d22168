namespace Billing.Features.Dashboard;

/// <summary>Where the dashboard's pages live, so every page that names an account links to the same place.</summary>
public static class DashboardLinks
{
    public static string Account(string accountId) => $"/dashboard/accounts/{Uri.EscapeDataString(accountId)}";
}
